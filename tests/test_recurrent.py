"""The recurrent agent on every torso, and the memory task it is for."""
import gymnasium as gym
import numpy as np
import pytest
import torch

from a3c.agent.networks import build_model, reset_state
from a3c.config.schema import Config, EnvConfig, ModelConfig
from a3c.envs import EnvBatch, make_env

TORSOS = {  # observation shape and model config of each torso that can carry an LSTM
    "atari_cnn": ((4, 84, 84), ModelConfig(arch="atari_cnn", lstm_size=32, shared_body=True)),
    "minatar_cnn": ((4, 10, 10), ModelConfig(arch="minatar_cnn", fc_size=32, lstm_size=16, shared_body=True)),
    "minatar_cnn_own_critic_body": ((4, 10, 10), ModelConfig(arch="minatar_cnn", fc_size=32, lstm_size=16)),
    "mlp": ((3,), ModelConfig(arch="mlp", hidden_sizes=[8], lstm_size=16)),
}


def recurrent_model(torso: str):
    shape, model_cfg = TORSOS[torso]
    cfg = Config(model=model_cfg)
    space = gym.spaces.Box(0, 255, shape, np.uint8 if torso == "atari_cnn" else np.float32)
    return build_model(cfg, space, gym.spaces.Discrete(6)), shape


def random_observations(torso: str, shape: tuple, steps: int, n_envs: int) -> torch.Tensor:
    if torso == "atari_cnn":
        return torch.randint(0, 256, (steps, n_envs, *shape), dtype=torch.uint8)
    return torch.rand(steps, n_envs, *shape)


@pytest.mark.parametrize("torso", TORSOS)
def test_recurrent_unroll_matches_stepping_and_zeroes_the_state_at_episode_ends(torso):
    torch.manual_seed(0)
    model, shape = recurrent_model(torso)
    size = model.actor_body.lstm.hidden_size
    obs = random_observations(torso, shape, steps=4, n_envs=3)
    dones = torch.zeros(4, 3, dtype=torch.bool)
    dones[1, 2] = True  # env 2's episode ends at step 1: its state starts afresh at step 2
    n_parts = 4 if model.critic_body is not None else 2  # (h, c) of each body
    start = tuple(torch.randn(3, size) for _ in range(n_parts))
    actor_out, values = model.unroll(obs, start, dones)

    state, stepped_actor, stepped_values = start, [], []
    for t in range(4):
        out, value, state = model(obs[t], state)
        stepped_actor.append(out)
        stepped_values.append(value)
        state = reset_state(state, dones[t])
    torch.testing.assert_close(actor_out, torch.cat(stepped_actor))
    torch.testing.assert_close(values, torch.cat(stepped_values))
    fresh_out, fresh_value, _ = model(obs[2, 2:3])  # what a zero state gives at env 2's step 2
    torch.testing.assert_close(actor_out[2 * 3 + 2], fresh_out[0])
    # The gradient reaches back through time to the torso's first layer.
    (actor_out.sum() + values.sum()).backward()
    first_layer = next(layer for layer in model.actor_body.torso if hasattr(layer, "weight"))
    assert first_layer.weight.grad.abs().sum() > 0


def test_a_shared_body_serves_both_heads_and_carries_one_state():
    shared, _ = recurrent_model("minatar_cnn")
    own, _ = recurrent_model("minatar_cnn_own_critic_body")
    assert shared.critic_body is None and own.critic_body is not None
    obs = torch.rand(5, 4, 10, 10)
    assert len(shared(obs)[2]) == 2 and len(own(obs)[2]) == 4  # (h, c), or the actor's and the critic's


def test_the_forget_gate_bias_is_set_once_across_torchs_two_bias_vectors():
    cfg = Config(model=ModelConfig(arch="mlp", hidden_sizes=[8], lstm_size=4, lstm_forget_bias=1.0))
    model = build_model(cfg, gym.spaces.Box(-1, 1, (3,)), gym.spaces.Discrete(2))
    lstm = model.actor_body.lstm
    total = lstm.bias_ih + lstm.bias_hh
    torch.testing.assert_close(total[4:8], torch.ones(4))
    assert not torch.allclose(total[:4], torch.zeros(4))  # the other gates keep torch's init


def test_masked_cartpole_shows_only_the_positions():
    full, masked = make_env(EnvConfig(), seed=0), make_env(EnvConfig(hide_obs=[1, 3]), seed=0)
    assert masked.observation_space.shape == (2,)
    full_obs, _ = full.reset(seed=5)
    masked_obs, _ = masked.reset(seed=5)
    for action in [0, 1, 1, 0, 1]:
        np.testing.assert_array_equal(masked_obs, full_obs[[0, 2]])  # x and theta; no velocities
        full_obs, *_ = full.step(action)
        masked_obs, *_ = masked.step(action)


def test_masked_cartpole_logs_the_real_episode_return():
    envs = EnvBatch(EnvConfig(hide_obs=[1, 3]), seeds=[0])
    rewards, finished = [], []
    while not finished:
        result = envs.step(np.array([0]))
        rewards.append(result.rewards[0])
        finished = result.finished_episodes
    assert finished[0][1] == sum(rewards)
