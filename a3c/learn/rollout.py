"""Collect experience: n steps from every env of a batch, or one whole episode from each."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from a3c.agent.networks import RecurrentState, reset_state
from a3c.envs import EnvBatch

# A whole-episode rollout in an env without a time limit could run for ever.
MAX_EPISODE_ROLLOUT = 100_000


@dataclass
class Rollout:
    obs: torch.Tensor  # (T, E, *obs_shape)
    actions: torch.Tensor  # (T, E) int64, or (T, E, action_dim) float for continuous actions
    rewards: torch.Tensor  # (T, E) float32
    terminated: torch.Tensor  # (T, E) bool
    truncated: torch.Tensor  # (T, E) bool
    valid: torch.Tensor  # (T, E) bool: False where an env sat out the rest of a whole-episode rollout
    final_obs: torch.Tensor  # (T, E, *obs_shape): real last observation where an episode ended
    last_obs: torch.Tensor  # (E, *obs_shape): where the next rollout starts, the n-step bootstrap state
    next_actions: torch.Tensor | None  # (E,) actions already chosen at last_obs (Q critic's SARSA a')
    finished_episodes: list  # (env_index, return, length)
    # Recurrent networks only (else None): the state before the first step, the state after
    # each step (before an ended episode zeroes it: the truncation bootstrap's), and at last_obs.
    start_state: RecurrentState = None
    step_states: RecurrentState = None  # each part (T, E, H)
    last_state: RecurrentState = None

    @property
    def n_transitions(self) -> int:
        return int(self.valid.sum())

    @property
    def dones(self) -> torch.Tensor:
        return self.terminated | self.truncated


class RolloutCollector:
    """Steps an EnvBatch with a policy network; one batched forward per step for all envs.

    With carry_next_action (Q critic), the action sampled at the bootstrap state is kept and
    taken first in the next rollout, so that Q(s', a') in the SARSA target is the value of the
    action really taken.

    A recurrent network's state is carried from one rollout to the next and zeroed where an
    episode ends (for Atari, a lost life).
    """

    def __init__(self, envs: EnvBatch, n_steps: int, carry_next_action: bool = False):
        self.envs = envs
        self.n_steps = n_steps
        self.carry_next_action = carry_next_action
        self.pending_actions: torch.Tensor | None = None
        self.pending_state: RecurrentState = None  # the state after choosing pending_actions
        self.state: RecurrentState = None  # None until a recurrent network first acts

    @torch.no_grad()
    def collect(self, act) -> Rollout:
        """act: (observations, state) -> (sampled actions, next state): the current policy."""
        steps: list[tuple] = []
        finished: list = []
        active = np.ones(len(self.envs), dtype=bool)
        whole_episode = self.n_steps == 0
        start_state = self.state
        while (len(steps) < self.n_steps) if not whole_episode else active.any():
            if len(steps) >= MAX_EPISODE_ROLLOUT:
                raise RuntimeError(f"an episode of {self.envs} ran past {MAX_EPISODE_ROLLOUT} steps; set env.max_episode_steps")
            obs = torch.from_numpy(self.envs.obs.copy())
            if self.pending_actions is not None:
                actions, next_state = self._take_pending()
            else:
                actions, next_state = act(obs, self.state)
            if whole_episode and next_state is not None:  # an env sitting out keeps its state
                next_state = _where(torch.from_numpy(active), next_state, self.state)
            result = self.envs.step(actions.numpy(), active if whole_episode else None)
            steps.append((obs, actions, result, active.copy(), next_state))
            finished += result.finished_episodes
            self.state = reset_state(next_state, torch.from_numpy(result.terminated | result.truncated))
            if whole_episode:
                active &= ~(result.terminated | result.truncated)
        last_obs = torch.from_numpy(self.envs.obs.copy())
        last_state = self.state
        next_actions = None
        if self.carry_next_action:
            next_actions, self.pending_state = act(last_obs, last_state)
            self.pending_actions = next_actions
        return _stack(steps, last_obs, next_actions, finished, start_state, last_state)

    def _take_pending(self) -> tuple[torch.Tensor, RecurrentState]:
        actions, state = self.pending_actions, self.pending_state
        self.pending_actions = self.pending_state = None
        return actions, state


def _where(mask: torch.Tensor, new: RecurrentState, old: RecurrentState) -> RecurrentState:
    if old is None:
        old = tuple(torch.zeros_like(part) for part in new)
    return tuple(torch.where(mask.unsqueeze(-1), n, o) for n, o in zip(new, old))


def _stack(steps: list[tuple], last_obs: torch.Tensor, next_actions, finished: list,
           start_state: RecurrentState, last_state: RecurrentState) -> Rollout:
    obs, actions, results, valid, step_states = zip(*steps)
    as_tensor = lambda arrays: torch.from_numpy(np.stack(arrays))  # noqa: E731
    if step_states[0] is not None:
        step_states = tuple(torch.stack(parts) for parts in zip(*step_states))
    else:
        step_states = None
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
        start_state=start_state,
        step_states=step_states,
        last_state=last_state,
    )
