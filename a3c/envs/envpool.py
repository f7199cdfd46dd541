"""Atari through envpool (env.backend=envpool): the games and the DeepMind preprocessing of
a3c/envs/atari.py, emulated in C++ by one envpool instance per worker.

envpool does the emulation, the no-op starts, the frame skip with its max over the last two
frames and the 84x84 grayscale (the same ALE palette and cv2 INTER_AREA resize as gymnasium's
AtariPreprocessing). The rest stays here, in numpy, because envpool's own versions differ:
- its episodic_life plays 1..noop_max single-frame no-ops after a lost life and keeps the old
  frames in the stack; ours (TerminalOnLifeLoss) plays one agent no-op step and restarts the
  stack from that frame, as gymnasium's FrameStackObservation does at every reset;
- its reward_clip takes the sign, ClipReward clips to [-1, 1] (the same on integer scores);
- it resets an ended env on its next step; EnvBatch resets at once, so that obs is what to act
  on and the ended episode's last observation is kept apart (reset(env_id) does that).
So its frame stack is 1 and its life loss and clipping are off.
"""
from __future__ import annotations

import re
from pathlib import Path

import gymnasium as gym
import numpy as np

from a3c.config.rules import require
from a3c.config.schema import EnvConfig
from a3c.envs.batch import EnvBatch
from a3c.envs.normalize import Normalizer

NOOP = 0  # action 0 is NOOP in every game's minimal action set
ALE_GAME = re.compile(r"ALE/(\w+)-v5")
# envpool cuts a game at 27,000 agent steps; ALE v5 (gymnasium) at 108,000 frames, no-ops included.
ENVPOOL_MAX_EPISODE_STEPS = 27_000


def uses_envpool(env_cfg: EnvConfig) -> bool:
    return env_cfg.backend == "envpool"


def make_env_batch(env_cfg: EnvConfig, seeds: list[int], normalizer: Normalizer | None = None,
                   videos: list[Path] | None = None) -> EnvBatch:
    """The backend's batch of envs. Filmed evaluation stays on gymnasium, whose recorder films
    the raw emulator: envpool hands out preprocessed frames only."""
    if uses_envpool(env_cfg) and videos is None:
        return EnvpoolBatch(env_cfg, seeds, normalizer)
    return EnvBatch(env_cfg, seeds, normalizer, videos)


def check_envpool_settings(env_cfg: EnvConfig, atari_preprocessing: bool) -> None:
    """Raises ConfigError where envpool cannot give the gymnasium backend's semantics."""
    game = ALE_GAME.fullmatch(env_cfg.id)
    require(game is not None and atari_preprocessing, "env.backend", env_cfg.backend,
            f"gymnasium for {env_cfg.id} with env.preprocessing={env_cfg.preprocessing}: envpool steps only "
            "ALE/<Game>-v5 ids with the atari preprocessing")
    import envpool  # ~1 s: only for runs that use it

    require(f"{game.group(1)}-v5" in envpool.list_all_envs(), "env.backend", env_cfg.backend,
            f"gymnasium for {env_cfg.id}: envpool has no ROM for {game.group(1)}")
    require(env_cfg.atari.noop_max >= 1, "env.atari.noop_max", env_cfg.atari.noop_max,
            "an integer >= 1 with env.backend=envpool (it always plays at least one no-op)")
    # With one frame per step envpool's max-pool takes in the previous step's frame.
    require(env_cfg.atari.frame_skip >= 2, "env.atari.frame_skip", env_cfg.atari.frame_skip,
            "an integer >= 2 with env.backend=envpool")


class EnvpoolBatch(EnvBatch):
    """EnvBatch's interface over one envpool instance: (E, frame_stack, size, size) uint8
    observations, training rewards clipped, a lost life ending the training episode only, and
    finished_episodes reporting whole games with their real score and length.

    One envpool thread per worker: the worker waits while it steps, so each worker keeps to one core.
    """

    def __init__(self, env_cfg: EnvConfig, seeds: list[int], normalizer: Normalizer | None = None):
        import envpool

        atari = env_cfg.atari
        self.pool = envpool.make(
            f"{ALE_GAME.fullmatch(env_cfg.id).group(1)}-v5", env_type="gymnasium", num_envs=len(seeds),
            num_threads=1, env_seed=list(seeds), stack_num=1, frame_skip=atari.frame_skip,
            noop_max=atari.noop_max, img_height=atari.screen_size, img_width=atari.screen_size,
            repeat_action_probability=atari.repeat_action_probability, episodic_life=False,
            reward_clip=False, use_fire_reset=False, full_action_space=False, gray_scale=True,
            max_episode_steps=env_cfg.max_episode_steps or ENVPOOL_MAX_EPISODE_STEPS)
        self.clip_rewards, self.terminal_on_life_loss = atari.clip_rewards, atari.terminal_on_life_loss
        size = atari.screen_size
        self.observation_space = gym.spaces.Box(0, 255, (atari.frame_stack, size, size), np.uint8)
        self.action_space = self.pool.action_space
        self.action_space.seed(seeds[0])
        n = len(seeds)
        self.lives = np.zeros(n, dtype=np.int64)
        self.game_returns = np.zeros(n)  # the real score of each env's game so far
        self.game_lengths = np.zeros(n, dtype=np.int64)
        frames, info = self.pool.reset()
        self._start(np.empty((n, *self.observation_space.shape), np.uint8), normalizer)
        self._restarted(info["env_id"], frames, info["lives"])

    def __len__(self) -> int:
        return self.pool.num_envs

    @property
    def picklable(self) -> bool:
        return False  # its state lives in envpool's C++ envs: they restart on resume

    def _step_envs(self, actions: np.ndarray, active: np.ndarray | None) -> tuple:
        n = len(self)
        rewards = np.zeros(n, dtype=np.float32)
        terminated = np.zeros(n, dtype=bool)
        truncated = np.zeros(n, dtype=bool)
        final_obs = self.raw_obs.copy()
        ids = np.arange(n, dtype=np.int32) if active is None else np.flatnonzero(active).astype(np.int32)
        if len(ids) == 0:
            return rewards, terminated, truncated, final_obs, []
        frames, scores, _, cut, info = self.pool.step(np.asarray(actions)[ids].astype(np.int32), ids)
        # The game's own end: envpool's terminated is "ended and not cut", so a game over on the
        # time limit's step would read as a cut alone, and be bootstrapped from.
        ids, game_over = info["env_id"], info["terminated"].astype(bool)
        self.raw_obs[ids] = np.concatenate([self.raw_obs[ids, 1:], frames], axis=1)
        self.game_returns[ids] += scores
        self.game_lengths[ids] += 1
        rewards[ids] = np.clip(scores, -1.0, 1.0) if self.clip_rewards else scores
        # lives == 0 is left alone: some games sit there for a few frames before game over.
        lost_life = self.terminal_on_life_loss & (0 < info["lives"]) & (info["lives"] < self.lives[ids])
        self.lives[ids] = info["lives"]
        terminated[ids], truncated[ids] = game_over | lost_life, cut
        ended = game_over | cut | lost_life
        final_obs[ids[ended]] = self.raw_obs[ids[ended]]
        finished = self._finish_games(ids[game_over | cut])
        finished += self._play_on(ids[lost_life & ~(game_over | cut)])
        return rewards, terminated, truncated, final_obs, finished

    def _finish_games(self, ids: np.ndarray) -> list:
        """Report the games that ended and start new ones."""
        if len(ids) == 0:
            return []
        finished = [(int(i), float(self.game_returns[i]), int(self.game_lengths[i])) for i in ids]
        frames, info = self.pool.reset(ids)
        self._restarted(info["env_id"], frames, info["lives"])
        return finished

    def _restarted(self, ids: np.ndarray, frames: np.ndarray, lives: np.ndarray) -> None:
        self.raw_obs[ids] = frames  # the stack starts full of the first frame
        self.lives[ids] = lives
        self.game_returns[ids] = 0.0
        self.game_lengths[ids] = 0

    def _play_on(self, ids: np.ndarray) -> list:
        """After a lost life the game goes on with one no-op step, counted in the game, and the
        stack starts over from its frame (TerminalOnLifeLoss.reset under FrameStackObservation).
        A game that ends in that step is reported, as the gymnasium backend reports it."""
        if len(ids) == 0:
            return []
        frames, scores, game_over, cut, info = self.pool.step(np.full(len(ids), NOOP, np.int32), ids)
        ids = info["env_id"]
        self.raw_obs[ids] = frames
        self.game_returns[ids] += scores
        self.game_lengths[ids] += 1
        self.lives[ids] = info["lives"]
        return self._finish_games(ids[game_over | cut])

    def close(self) -> None:
        self.pool.close()
