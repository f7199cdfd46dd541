"""The one return computation every variant uses: Monte Carlo, one-step TD and n-step are
the same backward recursion with different rollout lengths and bootstraps."""
from __future__ import annotations

import torch


def bootstrapped_returns(
    rewards: torch.Tensor,
    terminated: torch.Tensor,
    truncated: torch.Tensor,
    truncation_values: torch.Tensor,
    last_values: torch.Tensor,
    gamma: float,
) -> torch.Tensor:
    """G_t = r_t + gamma * next, walking back from the end of the rollout, where next is

    - 0                          if the episode terminated at t (nothing follows a true end),
    - truncation_values[t]       if a time limit cut it at t (the critic's value of the real
                                 last observation: the task itself would have gone on),
    - G_{t+1}                    inside an episode,
    - last_values                after the last step of the rollout (the n-step bootstrap).

    As in A3C (Mnih et al. 2016, Algorithm S3), step t of a t_max rollout bootstraps after
    t_max - t steps. All tensors are (T, n_envs) except last_values, (n_envs,).
    Steps after an env's episode ended in a whole-episode rollout must hold reward 0; they
    never leak into earlier returns because the end resets the recursion.
    """
    returns = torch.empty_like(rewards)
    following = last_values
    for t in reversed(range(rewards.shape[0])):
        next_value = torch.where(truncated[t], truncation_values[t], following)
        next_value = torch.where(terminated[t], torch.zeros_like(next_value), next_value)
        following = rewards[t] + gamma * next_value
        returns[t] = following
    return returns
