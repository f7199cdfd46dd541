"""bootstrapped_returns against returns worked out by hand (gamma = 0.5 keeps them exact)."""
import torch

from a3c.learn.returns import bootstrapped_returns, gae_advantages

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


def gae_for(rewards, values, gae_lambda, terminated=None, truncated=None, truncation_values=None, last_value=0.0):
    column = lambda xs, dtype=torch.float32: torch.tensor(xs, dtype=dtype).unsqueeze(1)  # noqa: E731
    no_flags = torch.zeros(len(rewards), 1, dtype=torch.bool)
    return gae_advantages(
        column(rewards), column(values),
        column(terminated, torch.bool) if terminated else no_flags,
        column(truncated, torch.bool) if truncated else no_flags,
        column(truncation_values) if truncation_values else torch.zeros(len(rewards), 1),
        torch.tensor([last_value]), GAMMA, gae_lambda,
    ).squeeze(1).tolist()


def test_gae_with_lambda_1_is_the_n_step_return_minus_the_value():
    # Two envs, 5 steps: a termination, a truncation with its bootstrap, a mid-rollout restart,
    # and the end-of-rollout bootstrap: every kind of end bootstrapped_returns knows.
    torch.manual_seed(0)
    rewards, values = torch.randn(5, 2), torch.randn(5, 2)
    terminated = torch.tensor([[0, 0], [1, 0], [0, 0], [0, 1], [0, 0]], dtype=torch.bool)
    truncated = torch.tensor([[0, 0], [0, 0], [0, 1], [1, 0], [0, 0]], dtype=torch.bool)
    truncation_values, last_values = torch.randn(5, 2), torch.randn(2)
    n_step = bootstrapped_returns(rewards, terminated, truncated, truncation_values, last_values, 0.9)
    gae = gae_advantages(rewards, values, terminated, truncated, truncation_values, last_values, 0.9, 1.0)
    torch.testing.assert_close(gae, n_step - values)


def test_gae_by_hand():
    # gamma = lambda = 0.5, V(s) = [2, 4, 6], bootstrap V(s_3) = 8, no episode end.
    # deltas: d2 = 4 + 0.5*8 - 6 = 2; d1 = 2 + 0.5*6 - 4 = 1; d0 = 1 + 0.5*4 - 2 = 1
    # A2 = 2; A1 = 1 + 0.25*2 = 1.5; A0 = 1 + 0.25*1.5 = 1.375
    assert gae_for([1, 2, 4], [2, 4, 6], 0.5, last_value=8.0) == [1.375, 1.5, 2.0]


def test_gae_stops_at_episode_ends():
    # gamma = lambda = 0.5, V(s) = [2, 4, 6]. Terminated at t=0: A0 = d0 = 1 - 2 = -1.
    # Truncated at t=1 with V(real s') = 10: A1 = d1 = 2 + 0.5*10 - 4 = 3.
    # t=2 starts a new episode and bootstraps from 8: A2 = 4 + 0.5*8 - 6 = 2.
    got = gae_for([1, 2, 4], [2, 4, 6], 0.5, terminated=[1, 0, 0], truncated=[0, 1, 0],
                  truncation_values=[0, 10, 0], last_value=8.0)
    assert got == [-1.0, 3.0, 2.0]


def test_gae_matches_the_sum_of_discounted_td_errors():
    # Schulman et al.'s definition A_t = sum_k (gamma lambda)^k delta_{t+k}, summed directly
    # over one episode without ends, against the recursion.
    torch.manual_seed(1)
    rewards, values, last_value, gamma, lam = torch.randn(6, 1), torch.randn(6, 1), torch.randn(1), 0.9, 0.7
    next_values = torch.cat([values[1:], last_value.view(1, 1)])
    deltas = rewards + gamma * next_values - values
    expected = torch.stack([sum((gamma * lam) ** k * deltas[t + k] for k in range(6 - t)) for t in range(6)])
    no_ends = torch.zeros(6, 1, dtype=torch.bool)
    got = gae_advantages(rewards, values, no_ends, no_ends, torch.zeros(6, 1), last_value, gamma, lam)
    torch.testing.assert_close(got, expected)
