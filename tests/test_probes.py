"""The live dead-unit probe: the fraction of the actor torso's ReLU units silent on a whole rollout."""
import gymnasium as gym
import torch

from a3c.agent.networks import build_model
from a3c.agent.probes import inactive_unit_fraction
from a3c.config.schema import Config, ModelConfig
from a3c.learn.learner import UpdateResult
from a3c.run.messages import Report

MINATAR_OBS = gym.spaces.Box(0.0, 1.0, (4, 10, 10))


def minatar_agent(**model):
    torch.manual_seed(0)
    cfg = Config(model=ModelConfig(arch="minatar_cnn", fc_size=32, **model))
    return build_model(cfg, MINATAR_OBS, gym.spaces.Discrete(3))


def frames(n=40):
    return (torch.rand(n, 4, 10, 10, generator=torch.Generator().manual_seed(1)) > 0.8).float()


def test_a_fresh_network_has_most_of_its_units_active():
    assert inactive_unit_fraction(minatar_agent(), frames()) < 0.5


def test_a_network_whose_fc_units_are_forced_dead_reads_one():
    model = minatar_agent()
    with torch.no_grad():
        model.actor_body.torso[-2].bias.fill_(-1e3)  # the fc layer before the last ReLU
    assert inactive_unit_fraction(model, frames()) == 1.0


def test_a_unit_counts_as_inactive_only_if_silent_on_every_sample():
    model = minatar_agent()
    with torch.no_grad():
        fc = model.actor_body.torso[-2]
        fc.weight.zero_()
        fc.bias.copy_(torch.linspace(-1, 1, 32))  # every sample alike: units with bias <= 0 are silent
    assert inactive_unit_fraction(model, frames()) == 0.5


def test_networks_without_a_relu_torso_have_no_probe():
    mlp = build_model(Config(), gym.spaces.Box(-1, 1, (4,)), gym.spaces.Discrete(2))
    assert inactive_unit_fraction(mlp, torch.zeros(5, 4)) is None


def test_a_report_carries_the_latest_probe_of_its_updates():
    def update(probe):
        return UpdateResult(5, [], losses=_no_losses(), skipped=False, started_at=0.0, inactive_units=probe)

    report = Report(worker=0, global_step=0)
    for step, probe in ((5, 0.2), (10, None), (15, 0.7), (20, None)):
        report.add(step, update(probe))
    assert report.inactive_units == 0.7


def _no_losses():
    from a3c.learn.losses import LossTerms

    zero = torch.zeros(())
    return LossTerms(total=zero, policy=zero, value=zero, entropy=zero)
