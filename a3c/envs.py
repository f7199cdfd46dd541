"""Environments: make one from its config, and step a small batch of them together."""
from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from a3c.config import EnvConfig


def make_env(env_cfg: EnvConfig, seed: int) -> gym.Env:
    # The passive checker runs on every step; validate() already checked the spaces once.
    kwargs = {"disable_env_checker": True}
    if env_cfg.max_episode_steps is not None:
        kwargs["max_episode_steps"] = env_cfg.max_episode_steps
    env = gym.make(env_cfg.id, **kwargs)
    env.action_space.seed(seed)
    return env


@dataclass
class StepResult:
    rewards: np.ndarray  # (n_envs,) float32
    terminated: np.ndarray  # (n_envs,) bool: a true end, the value after it is 0
    truncated: np.ndarray  # (n_envs,) bool: cut by a time limit, the episode would go on
    final_obs: np.ndarray  # (n_envs, obs_dim): the last observation of an ended episode, else unused
    finished_episodes: list  # (env_index, return, length) for each episode that ended here


class EnvBatch:
    """A few environments stepped in lock-step; each resets itself when its episode ends.

    Kept apart from gymnasium's vector envs so that the true last observation of a truncated
    episode is at hand (it is needed to bootstrap V(s') across a time limit) and so that
    whole-episode rollouts can leave finished envs idle.
    """

    def __init__(self, env_cfg: EnvConfig, seeds: list[int]):
        self.envs = [make_env(env_cfg, seed) for seed in seeds]
        self.observation_space = self.envs[0].observation_space
        self.action_space = self.envs[0].action_space
        # Continuous actions are sampled unbounded and clipped to the space only here.
        self._bounds = (self.action_space.low, self.action_space.high) if isinstance(self.action_space, gym.spaces.Box) else None
        self.obs = np.stack([env.reset(seed=seed)[0] for env, seed in zip(self.envs, seeds)]).astype(np.float32)
        self.episode_returns = np.zeros(len(self.envs), dtype=np.float64)
        self.episode_lengths = np.zeros(len(self.envs), dtype=np.int64)

    def __len__(self) -> int:
        return len(self.envs)

    def step(self, actions: np.ndarray, active: np.ndarray | None = None) -> StepResult:
        """Step every env (or only those with active=True; the rest stand still). Afterwards
        self.obs holds what to act on next (a fresh reset where an episode ended)."""
        n = len(self.envs)
        rewards = np.zeros(n, dtype=np.float32)
        terminated = np.zeros(n, dtype=bool)
        truncated = np.zeros(n, dtype=bool)
        final_obs = self.obs.copy()
        finished = []
        for i, env in enumerate(self.envs):
            if active is not None and not active[i]:
                continue
            action = np.clip(actions[i], *self._bounds) if self._bounds else int(actions[i])
            obs, reward, term, trunc, _ = env.step(action)
            rewards[i], terminated[i], truncated[i] = reward, term, trunc
            self.episode_returns[i] += reward
            self.episode_lengths[i] += 1
            if term or trunc:
                final_obs[i] = obs
                finished.append((i, float(self.episode_returns[i]), int(self.episode_lengths[i])))
                self.episode_returns[i], self.episode_lengths[i] = 0.0, 0
                obs, _ = env.reset()
            self.obs[i] = obs
        return StepResult(rewards, terminated, truncated, final_obs, finished)

    def close(self) -> None:
        for env in self.envs:
            env.close()
