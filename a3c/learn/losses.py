"""Policy-gradient, critic and entropy losses for every point of the variant space.

The critic kind decides what multiplies grad log pi(a|s) and what the critic regresses on:
    none: G_t                       (REINFORCE; G_t a Monte Carlo return)
    q:    Q_w(s_t, a_t)             critic target G_t bootstrapped with Q_w(s', a') (SARSA)
    v:    G_t - V(s_t)              critic target G_t bootstrapped with V(s'); with one-step
                                    rollouts this advantage is the TD error r + gamma V(s') - V(s)
With algo.gae_lambda < 1 (critic v only) G_t is the lambda-return, so G_t - V(s_t) is the GAE
advantage and the critic's target is that advantage + V(s_t) (Schulman et al. 2016).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from a3c.agent.networks import ActorCriticBase, RecurrentState, critic_value
from a3c.config.schema import AlgoConfig
from a3c.learn.returns import bootstrapped_returns
from a3c.learn.rollout import Rollout


@dataclass
class LossTerms:
    total: torch.Tensor
    policy: torch.Tensor
    value: torch.Tensor
    entropy: torch.Tensor


@torch.no_grad()
def critic_estimate(model: ActorCriticBase, obs: torch.Tensor, actions: torch.Tensor | None = None,
                    state: RecurrentState = None) -> torch.Tensor:
    """V(s), or Q(s, a) with a given (the action really taken) or sampled from the policy."""
    if model.critic_kind == "none":
        return torch.zeros(obs.shape[0])
    if model.critic_kind == "q" and actions is None:
        actor_out, critic_out, _ = model(obs, state)
        actions = model.head.sample(actor_out)
    else:
        critic_out = model.critic_only(obs, state)
    return critic_value(critic_out, model.critic_kind, actions)


def rollout_returns(model: ActorCriticBase, rollout: Rollout, gamma: float, gae_lambda: float = 1.0,
                    values: torch.Tensor | None = None) -> torch.Tensor:
    """Bootstrapped returns of a rollout, (T, E); the bootstraps come from the current critic,
    and with gae_lambda < 1 so do values, V(s_t) as (T, E)."""
    last_values = critic_estimate(model, rollout.last_obs, rollout.next_actions, rollout.last_state)
    truncation_values = torch.zeros_like(rollout.rewards)
    if rollout.truncated.any():
        where = rollout.truncated.nonzero(as_tuple=True)
        state = tuple(part[where] for part in rollout.step_states) if rollout.step_states is not None else None
        truncation_values[where] = critic_estimate(model, rollout.final_obs[where], state=state)
    return bootstrapped_returns(
        rollout.rewards, rollout.terminated, rollout.truncated, truncation_values, last_values, gamma,
        gae_lambda, values,
    )


def actor_critic_loss(model: ActorCriticBase, rollout: Rollout, algo: AlgoConfig) -> LossTerms:
    actor_out, critic_out = model.unroll(rollout.obs, rollout.start_state, rollout.dones)
    values = None
    if algo.gae_lambda != 1.0:  # config allows it with critic v only: critic_out is V, (T * E,)
        values = critic_out.detach().view(rollout.rewards.shape)
    returns = rollout_returns(model, rollout, algo.gamma, algo.gae_lambda, values).flatten()
    valid = rollout.valid.flatten()
    actions = rollout.actions.flatten(0, 1)[valid]
    returns = returns[valid]

    actor_out = actor_out[valid]
    critic_out = critic_out[valid] if critic_out is not None else None
    log_probs = model.head.log_prob(actor_out, actions)
    estimate = critic_value(critic_out, model.critic_kind, actions)
    if model.critic_kind == "none":
        weights, value_loss = returns, torch.zeros(())
    else:
        weights = (returns - estimate).detach() if model.critic_kind == "v" else estimate.detach()
        value_loss = 0.5 * (returns - estimate).pow(2).mean()

    policy_loss = -(log_probs * weights).mean()
    entropy = model.head.entropy(actor_out).mean()
    total = policy_loss + algo.value_coef * value_loss - algo.entropy_coef * entropy
    if algo.loss_reduction == "sum":
        # Every term is a mean over the same valid samples, so the sum is the mean times their
        # number; the terms logged stay per-sample means, comparable across reductions.
        total = total * int(valid.sum())
    return LossTerms(total=total, policy=policy_loss, value=value_loss, entropy=entropy)
