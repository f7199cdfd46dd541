"""One env from its config: the family comes from the id (ALE/, MinAtar/, anything else
gymnasium knows), then the wrappers every family can take."""
from __future__ import annotations

import dataclasses
import importlib
import json
import os
import warnings
from pathlib import Path

import gymnasium as gym
from gymnasium.wrappers import RecordEpisodeStatistics, RecordVideo

from a3c.config.schema import EnvConfig
from a3c.envs.atari import is_ale_id, make_atari_env, register_atari
from a3c.envs.minatar import ChannelsFirstFloat, ScreenFrames, is_minatar_id, register_minatar
from a3c.envs.wrappers import HideObservation


def register_env(env_id: str) -> None:
    """Makes an id of a plugin family (ALE, MinAtar) known to gymnasium, and imports the module of
    gymnasium's "module:Id" form, which registers the researcher's own envs (in every process)."""
    module, _, _ = env_id.rpartition(":")
    if module:
        importlib.import_module(module)
    register_atari(env_id)
    register_minatar(env_id)


def registered_id(env_id: str) -> str:
    """The id in gymnasium's registry: "Id" of "module:Id"."""
    return env_id.rpartition(":")[2]


def uses_atari_preprocessing(env_cfg: EnvConfig) -> bool:
    if env_cfg.preprocessing == "auto":
        return is_ale_id(env_cfg.id)
    return env_cfg.preprocessing == "atari"


_SPACES: dict[str, tuple[gym.Space, gym.Space]] = {}  # env_spaces's, by config


def env_spaces(env_cfg: EnvConfig) -> tuple[gym.Space, gym.Space]:
    """The (observation, action) spaces of the env a config makes. Both validation and the
    global model need them: the env is made once per config and process (spaces do not
    depend on the seed)."""
    key = json.dumps(dataclasses.asdict(env_cfg), sort_keys=True)
    if key not in _SPACES:
        env = make_env(env_cfg, seed=0)
        _SPACES[key] = env.observation_space, env.action_space
        env.close()
    return _SPACES[key]


def make_env(env_cfg: EnvConfig, seed: int, video: Path | None = None) -> gym.Env:
    """The env with its preprocessing; info["episode"] reports each finished episode's real return
    (RecordEpisodeStatistics sits below every wrapper that changes what the agent sees).

    video: film the first episode to <video>-episode-0.mp4, as a person sees the game (full
    frames, every one of them), not as the agent does."""
    register_env(env_cfg.id)
    base = _recorded(video) if video is not None else None
    if uses_atari_preprocessing(env_cfg):
        env = make_atari_env(env_cfg.id, env_cfg.atari, env_cfg.max_episode_steps, base)
    elif is_minatar_id(env_cfg.id):
        filmed = (lambda env: base(ScreenFrames(env))) if base is not None else None
        env = RecordEpisodeStatistics(ChannelsFirstFloat(_gym_make(env_cfg.id, env_cfg.max_episode_steps, filmed)))
    else:
        env = RecordEpisodeStatistics(_gym_make(env_cfg.id, env_cfg.max_episode_steps, base))
    if env_cfg.hide_obs:
        env = HideObservation(env, list(env_cfg.hide_obs))
    env.action_space.seed(seed)
    return env


def _gym_make(env_id: str, max_episode_steps: int | None, wrap_base=None) -> gym.Env:
    # The passive checker runs on every step; validate() already checked the spaces once.
    kwargs = {"disable_env_checker": True}
    if max_episode_steps is not None:
        kwargs["max_episode_steps"] = max_episode_steps
    if wrap_base is None:
        return gym.make(env_id, **kwargs)
    return wrap_base(gym.make(env_id, render_mode="rgb_array", **kwargs))


def _recorded(video: Path):
    """Wraps a base env (made with render_mode="rgb_array") to film its first episode to video."""
    # Classic control renders through pygame's SDL, which wants a display unless told otherwise.
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

    def wrap(env: gym.Env) -> gym.Env:
        with warnings.catch_warnings():  # one folder holds every episode's file, by design
            warnings.filterwarnings("ignore", message=".*Overwriting existing videos.*")
            # Only episode 0: the env resets itself after it and would start a clip never finished.
            return RecordVideo(env, str(video.parent), episode_trigger=lambda episode: episode == 0,
                               name_prefix=video.stem, disable_logger=True)
    return wrap
