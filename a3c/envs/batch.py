"""A small batch of environments stepped together by one worker."""
from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from a3c.config import EnvConfig
from a3c.envs.make import make_env


@dataclass
class StepResult:
    rewards: np.ndarray  # (n_envs,) float32, as trained on (clipped for Atari)
    terminated: np.ndarray  # (n_envs,) bool: a true end, the value after it is 0
    truncated: np.ndarray  # (n_envs,) bool: cut by a time limit, the episode would go on
    final_obs: np.ndarray  # (n_envs, *obs_shape): the last observation of an ended episode, else unused
    finished_episodes: list  # (env_index, return, length) for each episode that ended here: for Atari
    # a whole game with its real score, which may span several training episodes (lives)


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
        # Frames stay uint8 (a quarter of the memory); the network scales them.
        dtype = np.float32 if np.issubdtype(self.observation_space.dtype, np.floating) else self.observation_space.dtype
        self.obs = np.stack([env.reset(seed=seed)[0] for env, seed in zip(self.envs, seeds)]).astype(dtype)

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
            obs, reward, term, trunc, info = env.step(action)
            rewards[i], terminated[i], truncated[i] = reward, term, trunc
            if "episode" in info:
                finished.append((i, float(info["episode"]["r"]), int(info["episode"]["l"])))
            if term or trunc:
                final_obs[i] = obs
                obs, _ = env.reset()
            self.obs[i] = obs
        return StepResult(rewards, terminated, truncated, final_obs, finished)

    def close(self) -> None:
        for env in self.envs:
            env.close()
