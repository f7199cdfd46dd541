"""validate(cfg): every check a config gets before any worker starts. The settings' own rules
live in settings.py; the ones here need the env itself (its spaces), so they sit above both."""
from __future__ import annotations

import gymnasium as gym
from omegaconf import DictConfig

from a3c.config.rules import ConfigError, require, typed_settings, validate_settings
from a3c.config.schema import IMAGE_ARCHS, Config, EnvConfig, ModelConfig
from a3c.envs import env_spaces, register_env
from a3c.envs.atari import is_ale_id
from a3c.envs.envpool import check_envpool_settings, uses_envpool
from a3c.envs.make import registered_id, uses_atari_preprocessing


def validate(cfg: Config) -> None:
    """Raises ConfigError, whose message names the key, the value and what is allowed."""
    validate_settings(cfg)
    validate_env(cfg)


def validated_config(composed: DictConfig) -> Config:
    """The typed config of a composed one (without its `hydra` node), checked. Raises ConfigError."""
    config = typed_settings(composed)
    validate_env(config)
    return config


def validate_env(cfg: Config) -> None:
    """The checks that need the env itself (its spaces), of settings typed_settings passed."""
    _validate_env(cfg.env, cfg.algo.critic, cfg.model)


def _validate_env(env_cfg: EnvConfig, critic: str, model: ModelConfig) -> None:
    try:
        register_env(env_cfg.id)
    except ImportError as err:
        raise ConfigError(f"env.id={env_cfg.id!r} is not allowed: its module does not import ({err})") from None
    if uses_atari_preprocessing(env_cfg):
        require(is_ale_id(env_cfg.id), "env.preprocessing", env_cfg.preprocessing,
               f"auto or none for {env_cfg.id}: the atari preprocessing needs an ALE/<Game>-v5 id")
    if uses_envpool(env_cfg):
        check_envpool_settings(env_cfg, uses_atari_preprocessing(env_cfg))
    try:
        spec = gym.spec(registered_id(env_cfg.id))
    except gym.error.Error as err:
        raise ConfigError(f"env.id={env_cfg.id!r} is not allowed: a registered gymnasium id ({err})") from None
    if env_cfg.hide_obs:
        _check_hidden_entries(env_cfg, spec)
    try:
        observation_space, action_space = env_spaces(env_cfg)
    except ConfigError:
        raise
    except Exception as err:  # noqa: BLE001 - a registered id whose package is missing or too new
        raise ConfigError(f"env.id={env_cfg.id!r} is not allowed: it cannot be made here "
                          f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''})") from None
    _check_spaces(observation_space, action_space, env_cfg.id, critic, model)
    shape = observation_space.shape
    require(not env_cfg.normalize_obs or len(shape) == 1, "env.normalize_obs", True,
           f"false for {env_cfg.id}'s image observations of shape {shape} (the networks scale frames themselves)")


def _check_hidden_entries(env_cfg: EnvConfig, spec) -> None:
    bare = gym.make(spec, disable_env_checker=True)
    shape = bare.observation_space.shape
    bare.close()
    require(len(shape) == 1 and max(env_cfg.hide_obs) < shape[0], "env.hide_obs", list(env_cfg.hide_obs),
           f"indices into {env_cfg.id}'s flat observation of shape {shape}")
    require(len(set(env_cfg.hide_obs)) < shape[0], "env.hide_obs", list(env_cfg.hide_obs),
           f"indices of some, not all, of the {shape[0]} entries of {env_cfg.id}'s observation")


def _check_spaces(obs_space: gym.Space, action_space: gym.Space, env_id: str, critic: str, model: ModelConfig) -> None:
    discrete = isinstance(action_space, gym.spaces.Discrete)
    flat_box = isinstance(action_space, gym.spaces.Box) and len(action_space.shape) == 1
    require(discrete or flat_box, "env.id", env_id,
           f"an environment with Discrete or flat Box actions (this one has {action_space})")
    require(discrete or critic != "q", "algo.critic", critic,
           f"none or v for continuous actions: the Q critic scores each of a discrete set ({env_id} has {action_space})")
    require(isinstance(obs_space, gym.spaces.Box) and len(obs_space.shape) in (1, 3), "env.id", env_id,
           f"an environment with flat or image (C, H, W) Box observations (this one has {obs_space})")
    image = len(obs_space.shape) == 3
    allowed = "atari_cnn or minatar_cnn (model=atari_cnn, model=minatar_cnn, or their _lstm variants)"
    require(image == (model.arch in IMAGE_ARCHS), "model.arch", model.arch,
           f"{allowed if image else 'mlp (model=mlp or model=mlp_lstm)'} for {env_id}'s observations of shape {obs_space.shape}")
    if model.arch == "atari_cnn":
        require(min(obs_space.shape[1:]) >= 36, "model.arch", model.arch,
               f"minatar_cnn for {env_id}'s small frames of shape {obs_space.shape} (atari_cnn needs 36x36 or more)")
