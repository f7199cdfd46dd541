"""Atari through ale-py with the DeepMind preprocessing (Mnih et al. 2015; 2016, Section 8).

gymnasium's own wrappers do the no-op starts, the frame skip with max-pooling, the 84x84
grayscale, the reward clipping and the frame stack. One piece is ours: gymnasium's
terminal_on_life_loss resets the whole game at the next reset(), whereas DeepMind ends only
the *training* episode at a lost life and plays the game on.
"""
from __future__ import annotations

import gymnasium as gym
from gymnasium.wrappers import AtariPreprocessing, ClipReward, FrameStackObservation, RecordEpisodeStatistics, TimeLimit

from a3c.config.schema import AtariConfig

NOOP = 0  # ALE's action 0 is NOOP in every game's minimal action set


def is_ale_id(env_id: str) -> bool:
    return env_id.startswith("ALE/")


def register_atari(env_id: str) -> None:
    """Makes the ALE/ ids known to gymnasium (ale-py ships the ROMs); other ids need nothing."""
    if is_ale_id(env_id):
        import ale_py

        gym.register_envs(ale_py)


class TerminalOnLifeLoss(gym.Wrapper):
    """A lost life ends the training episode (terminated: its value after is 0) but not the game:
    the next reset() plays on with one no-op step unless the game itself is over."""

    def __init__(self, env: gym.Env):
        super().__init__(env)
        self.lives = 0
        self.game_over = True

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.game_over = terminated or truncated
        lives = self.env.unwrapped.ale.lives()
        # lives == 0 is left alone: some games sit there for a few frames before game over.
        if 0 < lives < self.lives:
            terminated = True
        self.lives = lives
        return obs, reward, terminated, truncated, info

    def reset(self, **kwargs):
        """A game that ends in the no-op step (e.g. cut there by a time limit) restarts, and its
        info["episode"] comes back in the reset's info, so that the game is still reported."""
        if self.game_over:
            obs, info = self.env.reset(**kwargs)
        else:
            obs, _, terminated, truncated, info = self.env.step(NOOP)
            if terminated or truncated:
                ended = {"episode": info["episode"]} if "episode" in info else {}
                obs, info = self.env.reset(**kwargs)
                info = {**info, **ended}
        self.game_over = False
        self.lives = self.env.unwrapped.ale.lives()
        return obs, info


def make_atari_env(env_id: str, atari: AtariConfig, max_episode_steps: int | None, wrap_base=None) -> gym.Env:
    """ALE env -> (frame_stack, screen_size, screen_size) uint8 observations.

    RecordEpisodeStatistics sits below the life-loss and clipping wrappers, so the episode it
    reports (info["episode"]) is a whole game with its real, unclipped score. max_episode_steps
    counts agent steps, as everywhere else; without it ALE v5 itself truncates a game at 108,000
    frames, with it ALE's cap is lifted so that the limit alone decides (as in envpool).
    The ALE ids must be registered first (make_env does it). wrap_base (e.g. a video recorder)
    goes around the raw emulator, under all preprocessing.
    """
    cap = {} if max_episode_steps is None else {"max_num_frames_per_episode": 0}  # 0: ALE's own cap off
    env = gym.make(env_id, frameskip=1, repeat_action_probability=atari.repeat_action_probability,
                   disable_env_checker=True, render_mode="rgb_array" if wrap_base else None, **cap)
    if wrap_base is not None:
        env = wrap_base(env)
    env = AtariPreprocessing(env, noop_max=atari.noop_max, frame_skip=atari.frame_skip,
                             screen_size=atari.screen_size, terminal_on_life_loss=False, grayscale_obs=True)
    if max_episode_steps is not None:
        env = TimeLimit(env, max_episode_steps)
    env = RecordEpisodeStatistics(env)
    if atari.terminal_on_life_loss:
        env = TerminalOnLifeLoss(env)
    if atari.clip_rewards:
        env = ClipReward(env, -1.0, 1.0)
    return FrameStackObservation(env, atari.frame_stack)
