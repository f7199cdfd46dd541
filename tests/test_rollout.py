"""EnvBatch and RolloutCollector on real gymnasium envs: ends are recorded as they happened."""
import numpy as np
import torch

from a3c.config.schema import EnvConfig
from a3c.envs import EnvBatch
from a3c.learn.rollout import RolloutCollector


def uniform_policy(obs, state):
    """Acts like a uniform random policy over CartPole's two actions; no recurrent state."""
    return torch.multinomial(torch.full((obs.shape[0], 2), 0.5), 1).squeeze(-1), None


def test_time_limit_is_a_truncation_and_keeps_the_real_last_observation():
    envs = EnvBatch(EnvConfig(id="CartPole-v1", max_episode_steps=3), seeds=[0])
    first_obs = envs.obs.copy()
    for _ in range(3):
        result = envs.step(np.array([0]))
    assert result.truncated.tolist() == [True] and result.terminated.tolist() == [False]
    assert result.finished_episodes == [(0, 3.0, 3)]
    # The last observation is three pushes away from the start; the next one is a fresh reset.
    assert not np.allclose(result.final_obs, first_obs)
    assert not np.allclose(result.final_obs, envs.obs)
    assert np.all(np.abs(envs.obs) <= 0.05)  # CartPole resets to U(-0.05, 0.05)


def test_termination_is_not_a_truncation():
    envs = EnvBatch(EnvConfig(id="CartPole-v1"), seeds=[0])
    for _ in range(100):  # always pushing left drops the pole within a few dozen steps
        result = envs.step(np.array([0]))
        if result.finished_episodes:
            break
    assert result.terminated.tolist() == [True] and result.truncated.tolist() == [False]


def test_n_step_rollout_has_the_asked_shape_and_counts_every_transition():
    envs = EnvBatch(EnvConfig(id="CartPole-v1"), seeds=[0, 1, 2])
    rollout = RolloutCollector(envs, n_steps=5).collect(uniform_policy)
    assert rollout.obs.shape == (5, 3, 4) and rollout.actions.shape == (5, 3)
    assert rollout.n_transitions == 15 and rollout.next_actions is None


def test_whole_episode_rollout_ends_every_episode_and_masks_the_idle_steps():
    envs = EnvBatch(EnvConfig(id="CartPole-v1"), seeds=[0, 1])
    rollout = RolloutCollector(envs, n_steps=0).collect(uniform_policy)
    lengths = sorted(length for _, _, length in rollout.finished_episodes)
    assert len(lengths) == 2
    assert rollout.obs.shape[0] == lengths[-1]  # the rollout lasts as long as the longest episode
    assert rollout.n_transitions == sum(lengths)
    ended = rollout.terminated | rollout.truncated
    assert ended.sum(0).tolist() == [1, 1]  # each env ends exactly once, at its last valid step


def test_q_critic_rollouts_take_the_bootstrap_action_first_next_time():
    envs = EnvBatch(EnvConfig(id="CartPole-v1"), seeds=[0, 1])
    collector = RolloutCollector(envs, n_steps=2, carry_next_action=True)
    first = collector.collect(uniform_policy)
    second = collector.collect(uniform_policy)
    assert torch.equal(second.actions[0], first.next_actions)


def counting_policy(obs, state):
    """A stand-in recurrent policy: its state counts the steps seen since it was last zeroed."""
    count = torch.zeros(obs.shape[0], 1) if state is None else state[0]
    return uniform_policy(obs, None)[0], (count + 1, count + 1)


def test_recurrent_state_is_carried_across_rollouts_and_zeroed_at_episode_ends():
    envs = EnvBatch(EnvConfig(id="CartPole-v1", max_episode_steps=7), seeds=[0, 1])
    collector = RolloutCollector(envs, n_steps=5)
    first, second = collector.collect(counting_policy), collector.collect(counting_policy)
    assert first.start_state is None and torch.equal(second.start_state[0], first.last_state[0])
    counts = torch.cat([first.step_states[0], second.step_states[0]]).squeeze(-1)  # (10, 2)
    dones = torch.cat([first.dones, second.dones])
    assert dones.any(0).all()  # every env's first episode ended within the 10 steps
    expected = torch.zeros(2)
    for t in range(10):
        expected = expected + 1
        assert torch.equal(counts[t], expected)
        expected = torch.where(dones[t], torch.zeros(2), expected)
