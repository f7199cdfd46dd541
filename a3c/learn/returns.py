"""The one return computation every variant uses: Monte Carlo, one-step TD, n-step and
GAE(lambda) are the same backward recursion with different rollout lengths, bootstraps and
lambda."""
from __future__ import annotations

import numpy as np
import torch


def bootstrapped_returns(
    rewards: torch.Tensor,
    terminated: torch.Tensor,
    truncated: torch.Tensor,
    truncation_values: torch.Tensor,
    last_values: torch.Tensor,
    gamma: float,
    gae_lambda: float = 1.0,
    values: torch.Tensor | None = None,
) -> torch.Tensor:
    """G_t = r_t + gamma * next, walking back from the end of the rollout, where next is

    - 0                          if the episode terminated at t (nothing follows a true end),
    - truncation_values[t]       if a time limit cut it at t (the critic's value of the real
                                 last observation: the task itself would have gone on),
    - G_{t+1}                    inside an episode (lambda = 1),
    - last_values                after the last step of the rollout (the n-step bootstrap).

    As in A3C (Mnih et al. 2016, Algorithm S3), step t of a t_max rollout bootstraps after
    t_max - t steps. All tensors are (T, n_envs) except last_values, (n_envs,).
    Steps after an env's episode ended in a whole-episode rollout must hold reward 0; they
    never leak into earlier returns because the end resets the recursion.

    With gae_lambda < 1, inside an episode next is (1 - lambda) V(s_{t+1}) + lambda G_{t+1}
    (values: V(s_t), (T, n_envs)): the lambda-return, whose G_t - V(s_t) is exactly the GAE
    advantage of Schulman et al. 2016 (see gae_advantages). lambda = 1 skips the mix, so it
    is the n-step return bit for bit.
    """
    if gae_lambda != 1.0 and values is None:
        raise ValueError("gae_lambda < 1 needs the critic's values V(s_t)")
    # The recursion runs in numpy on views of the tensors: on a few envs each step is a handful
    # of tiny operations, and numpy's cost less than torch's (the same float32 arithmetic, op by op).
    rewards_, terminated_, truncated_ = rewards.numpy(), terminated.numpy(), truncated.numpy()
    truncation_values_ = truncation_values.numpy()
    values_ = values.numpy() if values is not None else None
    returns = np.empty_like(rewards_)
    following = last_values.numpy()
    zero = np.zeros((), dtype=rewards_.dtype)
    for t in reversed(range(rewards_.shape[0])):
        if gae_lambda != 1.0 and t + 1 < rewards_.shape[0]:
            following = gae_lambda * following + (1.0 - gae_lambda) * values_[t + 1]
        next_value = np.where(truncated_[t], truncation_values_[t], following)
        next_value = np.where(terminated_[t], zero, next_value)
        following = rewards_[t] + gamma * next_value
        returns[t] = following
    return torch.from_numpy(returns)


def gae_advantages(
    rewards: torch.Tensor,
    values: torch.Tensor,
    terminated: torch.Tensor,
    truncated: torch.Tensor,
    truncation_values: torch.Tensor,
    last_values: torch.Tensor,
    gamma: float,
    gae_lambda: float,
) -> torch.Tensor:
    """A_t = sum_k (gamma lambda)^k delta_{t+k}, delta_t = r_t + gamma V(s_{t+1}) - V(s_t), with
    the same ends as bootstrapped_returns: it is the lambda-return minus V(s_t)."""
    returns = bootstrapped_returns(rewards, terminated, truncated, truncation_values, last_values,
                                   gamma, gae_lambda, values)
    return returns - values
