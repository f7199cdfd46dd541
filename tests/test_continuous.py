"""Continuous actions: the Gaussian head against torch.distributions, and real runs."""
import gymnasium as gym
import pytest
import torch
from conftest import make_config
from torch.distributions import Normal

from a3c.agent.distributions import CategoricalHead, GaussianHead, action_head
from a3c.run import train


def test_the_head_comes_from_the_action_space():
    assert isinstance(action_head(gym.spaces.Discrete(3)), CategoricalHead)
    assert isinstance(action_head(gym.spaces.Box(-2, 2, (2,))), GaussianHead)


def test_gaussian_log_prob_and_entropy_match_torch_distributions():
    head = GaussianHead(gym.spaces.Box(-1, 1, (2,)))
    output = torch.tensor([[0.5, -1.0, 0.2, 3.0], [0.0, 2.0, -4.0, 0.1]])  # means, then raw stds
    mean, std = output[:, :2], torch.nn.functional.softplus(output[:, 2:]) + 1e-3
    actions = torch.tensor([[0.1, -0.7], [1.5, 2.5]])
    reference = Normal(mean, std)
    torch.testing.assert_close(head.log_prob(output, actions), reference.log_prob(actions).sum(-1))
    torch.testing.assert_close(head.entropy(output), reference.entropy().sum(-1))


def test_a_tiny_pendulum_run_completes(tmp_path):
    summary = train.run(make_config("env=pendulum", "workers=serial", "logger=off", "train.progress=false",
                                    "train.total_steps=2048"), tmp_path)  # the preset's rollouts: 4 envs x 8 steps
    assert summary["env_id"] == "Pendulum-v1" and summary["global_step"] == 2048 and summary["episodes"] == 8


def test_a3c_learns_to_balance_the_inverted_pendulum(tmp_path):
    # A random policy holds the pole for about 5 steps (reward 1 per step).
    summary = train.run(make_config("env=inverted_pendulum", "workers=serial", "logger=off", "train.progress=false",
                                    "train.total_steps=50000", "train.target_return=null"), tmp_path)
    assert summary["mean_return_last_100"] >= 50, summary


def test_a_std_parameter_is_learned_apart_from_the_state(tmp_path):
    cfg = make_config("env=pendulum", "model.gaussian_std=parameter", "model.log_std_init=-1.5")
    env = gym.make("Pendulum-v1")
    from a3c.agent.networks import build_model
    model = build_model(cfg, env.observation_space, env.action_space)
    output = model(torch.randn(5, 3))[0]
    assert output.shape == (5, 2)  # the mean, then the raw std the head reads
    torch.testing.assert_close(output[:, 1], torch.full((5,), -1.5))  # the same for every state
    _, sampled_std = model.head._mean_std(output)
    torch.testing.assert_close(sampled_std, torch.full((5, 1), torch.exp(torch.tensor(-1.5)).item() + 1e-3))
    assert "actor.log_std" in dict(model.named_parameters())


def sde_pendulum_model():
    from a3c.agent.networks import build_model

    env = gym.make("Pendulum-v1")
    torch.manual_seed(0)
    return build_model(make_config("env=pendulum", "model.gaussian_std=sde", "model.log_std_init=-1"),
                       env.observation_space, env.action_space)


def test_gsde_policy_is_normal_with_the_variance_of_its_state_dependent_noise():
    model = sde_pendulum_model()
    obs = torch.randn(6, 3)
    output = model(obs)[0]
    latent = model.actor.latent_net(obs)
    mean = model.actor.mean(latent)
    std = (latent.pow(2) @ torch.exp(torch.tensor(-1.0)).pow(2).expand(64, 1) + 1e-6).sqrt()
    reference = Normal(mean, std)
    actions = torch.randn(6, 1)
    torch.testing.assert_close(model.head.mode(output), mean)
    torch.testing.assert_close(model.head.log_prob(output, actions), reference.log_prob(actions).sum(-1))
    torch.testing.assert_close(model.head.entropy(output), reference.entropy().sum(-1))


def test_gsde_scores_its_actions_with_the_std_it_draws_them_with_even_when_it_is_small():
    from a3c.agent.networks import build_model

    env = gym.make("Pendulum-v1")
    torch.manual_seed(0)
    model = build_model(make_config("env=pendulum", "model.gaussian_std=sde", "model.log_std_init=-6"),
                        env.observation_space, env.action_space)
    obs = torch.randn(1, 3).expand(20_000, 3)  # one state, 20,000 draws of the exploration matrix
    model.reset_noise(20_000)
    with torch.no_grad():
        actions = model.act(obs)[0]
        _, head_std = model.head._mean_std(model.actor(obs[:1]))
    assert head_std.item() == pytest.approx(actions.std().item(), rel=0.05)  # a floor of 1e-3 on the std: +17%


def test_gsde_noise_is_a_fixed_function_of_the_state_until_the_next_rollout():
    model = sde_pendulum_model()
    obs = torch.randn(4, 3)  # 4 envs
    model.reset_noise(4)
    with torch.no_grad():
        first, again = model.act(obs)[0], model.act(obs)[0]
        torch.testing.assert_close(first, again)  # the same state, the same action, within a rollout
        matrices = model.actor.exploration
        noise = (model.actor.latent_net(obs).unsqueeze(1) @ matrices).squeeze(1)
        torch.testing.assert_close(first, model.actor.mean(model.actor.latent_net(obs)) + noise)
        model.reset_noise(4)  # the next rollout explores differently
        assert not torch.allclose(model.act(obs)[0], first)
    assert "actor.exploration" not in model.state_dict()  # drawn by each worker, never saved or shared
