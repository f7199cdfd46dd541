"""Collect experience: n steps from every env of a batch, or one whole episode from each."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from a3c.envs import EnvBatch

# A whole-episode rollout in an env without a time limit could run for ever.
MAX_EPISODE_ROLLOUT = 100_000


@dataclass
class Rollout:
    obs: torch.Tensor  # (T, E, obs_dim)
    actions: torch.Tensor  # (T, E) int64, or (T, E, action_dim) float for continuous actions
    rewards: torch.Tensor  # (T, E) float32
    terminated: torch.Tensor  # (T, E) bool
    truncated: torch.Tensor  # (T, E) bool
    valid: torch.Tensor  # (T, E) bool: False where an env sat out the rest of a whole-episode rollout
    final_obs: torch.Tensor  # (T, E, obs_dim): real last observation where an episode ended
    last_obs: torch.Tensor  # (E, obs_dim): where the next rollout starts, the n-step bootstrap state
    next_actions: torch.Tensor | None  # (E,) actions already chosen at last_obs (Q critic's SARSA a')
    finished_episodes: list  # (env_index, return, length)

    @property
    def n_transitions(self) -> int:
        return int(self.valid.sum())


class RolloutCollector:
    """Steps an EnvBatch with a policy network; one batched forward per step for all envs.

    With carry_next_action (Q critic), the action sampled at the bootstrap state is kept and
    taken first in the next rollout, so that Q(s', a') in the SARSA target is the value of the
    action really taken.
    """

    def __init__(self, envs: EnvBatch, n_steps: int, carry_next_action: bool = False):
        self.envs = envs
        self.n_steps = n_steps
        self.carry_next_action = carry_next_action
        self.pending_actions: torch.Tensor | None = None

    @torch.no_grad()
    def collect(self, act) -> Rollout:
        """act: observations -> sampled actions (the model's current policy)."""
        steps: list[tuple] = []
        finished: list = []
        active = np.ones(len(self.envs), dtype=bool)
        whole_episode = self.n_steps == 0
        while (len(steps) < self.n_steps) if not whole_episode else active.any():
            if len(steps) >= MAX_EPISODE_ROLLOUT:
                raise RuntimeError(f"an episode of {self.envs} ran past {MAX_EPISODE_ROLLOUT} steps; set env.max_episode_steps")
            obs = torch.from_numpy(self.envs.obs.copy())
            actions = self._take_pending() if self.pending_actions is not None else act(obs)
            result = self.envs.step(actions.numpy(), active if whole_episode else None)
            steps.append((obs, actions, result, active.copy()))
            finished += result.finished_episodes
            if whole_episode:
                active &= ~(result.terminated | result.truncated)
        last_obs = torch.from_numpy(self.envs.obs.copy())
        next_actions = None
        if self.carry_next_action:
            next_actions = act(last_obs)
            self.pending_actions = next_actions
        return _stack(steps, last_obs, next_actions, finished)

    def _take_pending(self) -> torch.Tensor:
        actions, self.pending_actions = self.pending_actions, None
        return actions


def _stack(steps: list[tuple], last_obs: torch.Tensor, next_actions, finished: list) -> Rollout:
    obs, actions, results, valid = zip(*steps)
    as_tensor = lambda arrays: torch.from_numpy(np.stack(arrays))  # noqa: E731
    return Rollout(
        obs=torch.stack(obs),
        actions=torch.stack(actions),
        rewards=as_tensor([r.rewards for r in results]),
        terminated=as_tensor([r.terminated for r in results]),
        truncated=as_tensor([r.truncated for r in results]),
        valid=as_tensor(valid),
        final_obs=as_tensor([r.final_obs for r in results]),
        last_obs=last_obs,
        next_actions=next_actions,
        finished_episodes=finished,
    )
