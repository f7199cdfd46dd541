"""MinAtar (Young and Tian 2019): 10x10 miniatures of five Atari games, each object kind on its
own channel. The package registers MinAtar/<Game>-v0 (all 6 actions) and -v1 (the game's
minimal action set); sticky actions with probability 0.1 are its own default, as in the paper."""
from __future__ import annotations

import gymnasium as gym
import numpy as np


def is_minatar_id(env_id: str) -> bool:
    return env_id.startswith("MinAtar/")


def register_minatar(env_id: str) -> None:
    if is_minatar_id(env_id) and env_id not in gym.registry:
        import minatar.gym

        minatar.gym.register_envs()


class ChannelsFirstFloat(gym.ObservationWrapper):
    """bool (H, W, C) -> float32 (C, H, W): converted once here, so the network's hot path
    takes the frames as they come."""

    def __init__(self, env: gym.Env):
        super().__init__(env)
        height, width, channels = env.observation_space.shape
        self.observation_space = gym.spaces.Box(0.0, 1.0, (channels, height, width), np.float32)

    def observation(self, observation: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(observation.transpose(2, 0, 1), dtype=np.float32)


class ScreenFrames(gym.Wrapper):
    """render() as a person would see the game: each object channel in its own colour (MinAtar's
    own cubehelix palette, black for empty cells), as uint8 and scaled up. MinAtar's rgb_array is
    a 10x10 float image in [0, 1], which a video writer stores as black frames."""

    SCALE = 16  # 160x160: every side a multiple of 16, as video codecs want

    def __init__(self, env: gym.Env):
        super().__init__(env)
        self.metadata = {**env.metadata, "render_fps": 15}

    def render(self) -> np.ndarray:
        frame = np.asarray(self.env.render())  # (10, 10, 3) float in [0, 1]
        frame = np.rint(frame * 255).astype(np.uint8)
        return frame.repeat(self.SCALE, axis=0).repeat(self.SCALE, axis=1)
