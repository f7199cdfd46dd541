"""bootstrapped_returns against returns worked out by hand (gamma = 0.5 keeps them exact)."""
import torch

from a3c.returns import bootstrapped_returns

GAMMA = 0.5


def returns_for(rewards, terminated=None, truncated=None, truncation_values=None, last_value=0.0):
    rewards = torch.tensor(rewards, dtype=torch.float32).unsqueeze(1)
    shape = rewards.shape
    as_bool = lambda flags: torch.tensor(flags, dtype=torch.bool).unsqueeze(1) if flags else torch.zeros(shape, dtype=torch.bool)  # noqa: E731
    values = torch.tensor(truncation_values, dtype=torch.float32).unsqueeze(1) if truncation_values else torch.zeros(shape)
    return bootstrapped_returns(
        rewards, as_bool(terminated), as_bool(truncated), values, torch.tensor([last_value]), GAMMA
    ).squeeze(1).tolist()


def test_monte_carlo_return_of_a_terminated_episode():
    # G2 = 4; G1 = 2 + 0.5*4 = 4; G0 = 1 + 0.5*4 = 3
    assert returns_for([1, 2, 4], terminated=[0, 0, 1]) == [3.0, 4.0, 4.0]


def test_n_step_returns_bootstrap_from_the_last_value():
    # G2 = 4 + 0.5*8 = 8; G1 = 2 + 0.5*8 = 6; G0 = 1 + 0.5*6 = 4
    assert returns_for([1, 2, 4], last_value=8.0) == [4.0, 6.0, 8.0]


def test_one_step_target_is_reward_plus_discounted_value():
    assert returns_for([1.0], last_value=6.0) == [4.0]


def test_termination_mid_rollout_cuts_the_bootstrap_and_starts_a_new_episode():
    # Episode ends (terminated) at t=1; t=2 belongs to the next episode and bootstraps.
    # G2 = 4 + 0.5*8 = 8; G1 = 2 (nothing after a true end); G0 = 1 + 0.5*2 = 2
    assert returns_for([1, 2, 4], terminated=[0, 1, 0], last_value=8.0) == [2.0, 2.0, 8.0]


def test_truncation_by_time_limit_bootstraps_from_the_value_of_the_real_last_observation():
    # Time limit hits at t=1; V(real s') = 10. G1 = 2 + 0.5*10 = 7; G0 = 1 + 0.5*7 = 4.5
    # t=2 is a new episode: G2 = 4 + 0.5*8 = 8.
    got = returns_for([1, 2, 4], truncated=[0, 1, 0], truncation_values=[0, 10, 0], last_value=8.0)
    assert got == [4.5, 7.0, 8.0]


def test_padding_after_an_episode_end_does_not_leak_into_its_returns():
    # A whole-episode rollout: this env ended at t=1 and sat out t=2 with reward 0.
    assert returns_for([1, 2, 0], terminated=[0, 1, 0], last_value=100.0)[:2] == [2.0, 2.0]


def test_each_env_column_is_independent():
    rewards = torch.tensor([[1.0, 1.0], [1.0, 1.0]])
    terminated = torch.tensor([[False, True], [False, False]])
    none = torch.zeros(2, 2, dtype=torch.bool)
    got = bootstrapped_returns(rewards, terminated, none, torch.zeros(2, 2), torch.tensor([2.0, 2.0]), GAMMA)
    # column 0: G1 = 1 + 1 = 2, G0 = 1 + 1 = 2; column 1: G1 = 2, G0 = 1 (terminated at t=0)
    assert got.tolist() == [[2.0, 1.0], [2.0, 2.0]]
