"""A small batch of environments stepped together by one worker."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym
import numpy as np
from gymnasium.utils import EzPickle

from a3c.config.schema import EnvConfig
from a3c.envs.make import make_env
from a3c.envs.normalize import Normalizer


@dataclass
class StepResult:
    rewards: np.ndarray  # (n_envs,) float32, as trained on (clipped for Atari, scaled with env.normalize_reward)
    terminated: np.ndarray  # (n_envs,) bool: a true end, the value after it is 0
    truncated: np.ndarray  # (n_envs,) bool: cut by a time limit, the episode would go on
    final_obs: np.ndarray  # (n_envs, *obs_shape): the last observation of an ended episode, else unused
    finished_episodes: list  # (env_index, return, length) for each episode that ended here: for Atari
    # a whole game with its real score, which may span several training episodes (lives)


def _episode_ended(index: int, info: dict) -> list:
    """[(index, return, length)] where info reports a finished episode, else []."""
    if "episode" not in info:
        return []
    return [(index, float(info["episode"]["r"]), int(info["episode"]["l"]))]


class EnvBatch:
    """A few environments stepped in lock-step; each resets itself when its episode ends.

    Kept apart from gymnasium's vector envs so that the true last observation of a truncated
    episode is at hand (it is needed to bootstrap V(s') across a time limit) and so that
    whole-episode rollouts can leave finished envs idle.

    With a normalizer, obs, final_obs and the rewards it returns are normalized (over the
    whole batch at once); the episodes it reports keep the env's own returns.
    """

    def __init__(self, env_cfg: EnvConfig, seeds: list[int], normalizer: Normalizer | None = None,
                 videos: list[Path] | None = None):
        """videos: per env, where to film its first episode (evaluation only; see make_env)."""
        self.envs = [make_env(env_cfg, seed, video) for seed, video in zip(seeds, videos or [None] * len(seeds))]
        self.normalizer = normalizer
        self.observation_space = self.envs[0].observation_space
        self.action_space = self.envs[0].action_space
        # Continuous actions are sampled unbounded and clipped to the space only here.
        self._bounds = (self.action_space.low, self.action_space.high) if isinstance(self.action_space, gym.spaces.Box) else None
        # Frames stay uint8 (a quarter of the memory); the network scales them.
        dtype = np.float32 if np.issubdtype(self.observation_space.dtype, np.floating) else self.observation_space.dtype
        self._start(np.stack([env.reset(seed=seed)[0] for env, seed in zip(self.envs, seeds)]).astype(dtype), normalizer)

    def _start(self, raw_obs: np.ndarray, normalizer: Normalizer | None) -> None:
        self.normalizer = normalizer
        self.raw_obs = raw_obs
        self.running_returns = np.zeros(len(raw_obs))  # each env's discounted return, for reward scaling
        # Unlike VecNormalize, the first resets are not added to the statistics: building the
        # envs must not change them (a resumed run builds its envs, then restores them).
        self.obs = self._normalized(self.raw_obs)

    def __len__(self) -> int:
        return len(self.envs)

    @property
    def picklable(self) -> bool:
        """Whether a checkpoint can hold these envs mid-episode (else they restart on resume)."""
        # EzPickle rebuilds a fresh env that was never reset (Box2D).
        return not any(isinstance(env.unwrapped, EzPickle) for env in self.envs)

    def step(self, actions: np.ndarray, active: np.ndarray | None = None) -> StepResult:
        """Step every env (or only those with active=True; the rest stand still). Afterwards
        self.obs holds what to act on next (a fresh reset where an episode ended)."""
        rewards, terminated, truncated, final_obs, finished = self._step_envs(actions, active)
        if self.normalizer is None:  # obs is raw_obs, already updated in place
            return StepResult(rewards, terminated, truncated, final_obs, finished)
        stepped = np.ones(len(self), dtype=bool) if active is None else active.astype(bool)
        self.obs = self._normalized(self.raw_obs, stepped)
        final_obs = self._normalized(final_obs)
        rewards = self.normalizer.rewards(rewards, self.running_returns, terminated | truncated, stepped)
        return StepResult(rewards, terminated, truncated, final_obs, finished)

    def _step_envs(self, actions: np.ndarray, active: np.ndarray | None) -> tuple:
        """(rewards, terminated, truncated, final_obs, finished episodes) before normalization;
        self.raw_obs is updated in place."""
        n = len(self.envs)
        rewards = np.zeros(n, dtype=np.float32)
        terminated = np.zeros(n, dtype=bool)
        truncated = np.zeros(n, dtype=bool)
        final_obs = self.raw_obs.copy()
        finished = []
        for i, env in enumerate(self.envs):
            if active is not None and not active[i]:
                continue
            action = np.clip(actions[i], *self._bounds) if self._bounds else int(actions[i])
            obs, reward, term, trunc, info = env.step(action)
            rewards[i], terminated[i], truncated[i] = reward, term, trunc
            finished += _episode_ended(i, info)
            if term or trunc:
                final_obs[i] = obs
                obs, reset_info = env.reset()
                finished += _episode_ended(i, reset_info)  # an Atari game that ended in the reset's no-op
            self.raw_obs[i] = obs
        return rewards, terminated, truncated, final_obs, finished

    def _normalized(self, raw: np.ndarray, update: np.ndarray | None = None) -> np.ndarray:
        """Normalized observations (raw itself without a normalizer); the rows in update are
        added to the statistics first, as VecNormalize adds each step's observations."""
        return raw if self.normalizer is None else self.normalizer.observations(raw, update)

    def __getstate__(self) -> dict:
        # A checkpoint pickles the envs mid-episode; the statistics are saved once, by the run,
        # and are shared with other workers: the owner re-attaches them (checkpoint.py).
        return {**self.__dict__, "normalizer": None}

    def __setstate__(self, state: dict) -> None:
        if "raw_obs" not in state:  # pickled before normalization existed: obs was raw
            state = {**state, "raw_obs": state["obs"], "running_returns": np.zeros(len(state["envs"]))}
        self.__dict__.update(state)

    def close(self) -> None:
        for env in self.envs:
            env.close()
