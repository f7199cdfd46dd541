"""Observation wrappers that any family can take through config."""
from __future__ import annotations

import gymnasium as gym
import numpy as np


class HideObservation(gym.ObservationWrapper):
    """Drops the given entries of a flat observation: CartPole without its two velocities is a
    memory task (a feed-forward policy cannot tell which way the pole is moving; an LSTM can)."""

    def __init__(self, env: gym.Env, hidden: list[int]):
        super().__init__(env)
        space = env.observation_space
        self.keep = np.array([i for i in range(space.shape[0]) if i not in set(hidden)])
        self.observation_space = gym.spaces.Box(space.low[self.keep], space.high[self.keep], dtype=space.dtype)

    def observation(self, observation: np.ndarray) -> np.ndarray:
        return observation[self.keep]
