"""The settings' own rules: ranges and cross-field checks that types alone cannot express,
and none of which needs an env (a3c/cli/validate.py adds those that do). Each failure is one
ConfigError whose message names the key, the value and what is allowed."""
from __future__ import annotations

import dataclasses
import difflib
import math
from typing import Any

from omegaconf import DictConfig, OmegaConf

from a3c.config.schema import (
    ARCHS,
    SEEDS_PER_RUN,
    CRITICS,
    ENV_BACKENDS,
    GAUSSIAN_STDS,
    LOGGER_BACKENDS,
    LOSS_REDUCTIONS,
    LR_SCHEDULES,
    OBJECTIVES,
    OPTIMIZERS,
    PREPROCESSING,
    WORKER_MODES,
    AtariConfig,
    Config,
    EvalConfig,
    ModelConfig,
    flatten,
)


# The largest train.seed whose run's seeds (train.seed * SEEDS_PER_RUN + i) torch still takes.
MAX_SEED = (2**63 - 1) // SEEDS_PER_RUN - 1


class ConfigError(ValueError):
    """A bad setting: the message names the key, the value and what is allowed."""


def typed_settings(composed: DictConfig) -> Config:
    """The typed config of a composed one (without its `hydra` node), its keys and the settings'
    own rules checked, no env made: quick enough to refuse a bad value before anything starts."""
    check_known_keys(composed)
    config: Config = OmegaConf.to_object(composed)
    validate_settings(config)
    return config


def check_known_keys(node: DictConfig, prefix: str = "") -> None:
    """Refuse keys the schema lacks. Hydra refuses `algo.entropy=0.1` but lets `+algo.entropy=0.1`
    add the key (its own hint for a misspelt one), and to_object would then drop it silently."""
    schema = OmegaConf.get_type(node)
    fields = [field.name for field in dataclasses.fields(schema)]
    for key, child in node.items_ex(resolve=False):
        if key not in fields:
            close = difflib.get_close_matches(str(key), fields, n=1)
            hint = f"; did you mean {prefix}{close[0]}?" if close else ""
            value = OmegaConf.to_container(node, resolve=False)[key]
            where = f"{prefix.rstrip('.')} has" if prefix else "the config has"
            raise ConfigError(f"{prefix}{key}={value!r} is not allowed: {where} no such key{hint}")
        if isinstance(child, DictConfig) and dataclasses.is_dataclass(OmegaConf.get_type(child)):
            check_known_keys(child, f"{prefix}{key}.")


def require(ok: bool, key: str, value: Any, allowed: str) -> None:
    if not ok:
        raise ConfigError(f"{key}={value!r} is not allowed: {allowed}")


def validate_settings(cfg: Config) -> None:
    """Ranges and cross-field rules that types alone cannot express, none of which needs an
    env (a3c/cli/validate.py adds those that do). Raises ConfigError."""
    algo, workers, train = cfg.algo, cfg.workers, cfg.train
    _require_finite(cfg)
    require(algo.critic in CRITICS, "algo.critic", algo.critic, f"one of {', '.join(CRITICS)}")
    require(algo.optimizer in OPTIMIZERS, "algo.optimizer", algo.optimizer, f"one of {', '.join(OPTIMIZERS)}")
    require(algo.loss_reduction in LOSS_REDUCTIONS, "algo.loss_reduction", algo.loss_reduction,
            f"one of {', '.join(LOSS_REDUCTIONS)}")
    require(0.0 < algo.gamma <= 1.0, "algo.gamma", algo.gamma, "a discount in (0, 1]")
    require(0.0 < algo.gae_lambda <= 1.0, "algo.gae_lambda", algo.gae_lambda, "a value in (0, 1] (1 = n-step returns)")
    require(algo.gae_lambda == 1.0 or algo.critic == "v", "algo.gae_lambda", algo.gae_lambda,
            f"1.0 when algo.critic={algo.critic} (GAE mixes the V critic's values)")
    require(algo.n_steps >= 0, "algo.n_steps", algo.n_steps, "an integer >= 0 (0 = whole episode)")
    require(
        algo.critic != "none" or algo.n_steps == 0,
        "algo.n_steps",
        algo.n_steps,
        "0 when algo.critic=none (without a critic there is nothing to bootstrap from)",
    )
    require(algo.lr > 0, "algo.lr", algo.lr, "a learning rate > 0")
    require(algo.lr_schedule in LR_SCHEDULES, "algo.lr_schedule", algo.lr_schedule, f"one of {', '.join(LR_SCHEDULES)}")
    require(algo.entropy_coef >= 0, "algo.entropy_coef", algo.entropy_coef, "a coefficient >= 0")
    require(algo.value_coef >= 0, "algo.value_coef", algo.value_coef, "a coefficient >= 0")
    # The critic learns only through value_coef * critic_loss: at 0 it stays at its init.
    require(algo.value_coef > 0 or algo.critic == "none", "algo.value_coef", algo.value_coef,
            f"> 0 when algo.critic={algo.critic} (at 0 the critic never learns; algo.critic=none has none)")
    require(algo.max_grad_norm >= 0, "algo.max_grad_norm", algo.max_grad_norm, ">= 0 (0 disables clipping)")
    require(0 < algo.rmsprop_alpha < 1, "algo.rmsprop_alpha", algo.rmsprop_alpha, "a decay in (0, 1)")
    require(algo.optimizer_eps > 0, "algo.optimizer_eps", algo.optimizer_eps, "a value > 0")
    _validate_model(cfg.model)
    require(workers.mode in WORKER_MODES, "workers.mode", workers.mode, f"one of {', '.join(WORKER_MODES)}")
    require(workers.count >= 1, "workers.count", workers.count, "an integer >= 1")
    require(workers.envs_per_worker >= 1, "workers.envs_per_worker", workers.envs_per_worker, "an integer >= 1")
    # numpy and gymnasium take only unsigned seeds (a negative one fails deep in env.reset), and
    # a run draws seeds up to train.seed * SEEDS_PER_RUN, which torch takes below 2**63.
    require(0 <= train.seed <= MAX_SEED, "train.seed", train.seed, f"an integer from 0 to {MAX_SEED}")
    require(train.total_steps >= 1, "train.total_steps", train.total_steps, "an integer >= 1")
    require(train.max_minutes > 0, "train.max_minutes", train.max_minutes, "minutes > 0")
    require(train.checkpoint_every_steps >= 0, "train.checkpoint_every_steps", train.checkpoint_every_steps, "an integer >= 0 (0: only at the end)")
    require(train.max_bad_updates >= 0, "train.max_bad_updates", train.max_bad_updates, "an integer >= 0")
    require(train.stall_minutes >= 0, "train.stall_minutes", train.stall_minutes, "minutes >= 0 (0: never)")
    require(train.log_every_updates >= 1, "train.log_every_updates", train.log_every_updates, "an integer >= 1")
    require(train.eval_every_steps >= 0, "train.eval_every_steps", train.eval_every_steps, "an integer >= 0 (0 = off)")
    require(train.eval_episodes >= 1, "train.eval_episodes", train.eval_episodes, "an integer >= 1")
    require(train.objective in OBJECTIVES, "train.objective", train.objective, f"one of {', '.join(OBJECTIVES)}")
    require(cfg.logger.backend in LOGGER_BACKENDS, "logger.backend", cfg.logger.backend, f"one of {', '.join(LOGGER_BACKENDS)}")
    require(
        cfg.logger.mode in ("online", "offline", "disabled"),
        "logger.mode",
        cfg.logger.mode,
        "one of online, offline, disabled",
    )
    require(cfg.env.preprocessing in PREPROCESSING, "env.preprocessing", cfg.env.preprocessing,
           f"one of {', '.join(PREPROCESSING)}")
    require(cfg.env.backend in ENV_BACKENDS, "env.backend", cfg.env.backend, f"one of {', '.join(ENV_BACKENDS)}")
    _validate_atari(cfg.env.atari)
    require(cfg.env.max_episode_steps is None or cfg.env.max_episode_steps >= 1, "env.max_episode_steps",
           cfg.env.max_episode_steps, "null or an integer >= 1")
    require(cfg.env.clip_obs > 0, "env.clip_obs", cfg.env.clip_obs, "a bound > 0 on normalized observations")
    require(cfg.env.clip_reward > 0, "env.clip_reward", cfg.env.clip_reward, "a bound > 0 on normalized rewards")
    require(all(i >= 0 for i in cfg.env.hide_obs), "env.hide_obs", list(cfg.env.hide_obs),
           "indices >= 0 of the flat observation")


def _require_finite(cfg: Config) -> None:
    """NaN compares false with every bound, and an infinite learning rate or init is a NaN a few
    steps later, in a worker: refused here, by key. Only budgets and clipping bounds may be inf."""
    for key, value in flatten(dataclasses.asdict(cfg)).items():
        if isinstance(value, float) and not math.isfinite(value):
            unbounded = key.startswith(("train.", "env.")) and not math.isnan(value)
            require(unbounded, key, value, "a finite number")


def validate_eval(options: EvalConfig) -> None:
    require(options.episodes >= 1, "eval.episodes", options.episodes, "an integer >= 1")
    require(0 <= options.seed <= MAX_SEED, "eval.seed", options.seed, f"an integer from 0 to {MAX_SEED}")


def _validate_model(model: ModelConfig) -> None:
    require(model.arch in ARCHS, "model.arch", model.arch, f"one of {', '.join(ARCHS)}")
    require(all(h > 0 for h in model.hidden_sizes), "model.hidden_sizes", list(model.hidden_sizes), "positive layer widths")
    require(model.fc_size > 0, "model.fc_size", model.fc_size, "a layer width > 0")
    require(model.lstm_size >= 0, "model.lstm_size", model.lstm_size, "an integer >= 0 (0 = feed-forward)")
    require(model.gaussian_std in GAUSSIAN_STDS, "model.gaussian_std", model.gaussian_std,
           f"one of {', '.join(GAUSSIAN_STDS)}")


def _validate_atari(atari: AtariConfig) -> None:
    require(atari.noop_max >= 0, "env.atari.noop_max", atari.noop_max, "an integer >= 0")
    require(atari.frame_skip >= 1, "env.atari.frame_skip", atari.frame_skip, "an integer >= 1")
    require(atari.screen_size >= 36, "env.atari.screen_size", atari.screen_size, "an integer >= 36 (the convolutions need room)")
    require(atari.frame_stack >= 1, "env.atari.frame_stack", atari.frame_stack, "an integer >= 1")
    require(0.0 <= atari.repeat_action_probability < 1.0, "env.atari.repeat_action_probability",
           atari.repeat_action_probability, "a probability in [0, 1)")
