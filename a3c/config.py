"""Typed schemas for every config group, and the one cross-field check.

Each yaml in conf/<group>/ extends the dataclass registered here under the group's
`base_<group>` name, so a misspelt key or a string where a number belongs fails when
Hydra composes the config, before anything runs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional

from hydra.core.config_store import ConfigStore

CRITICS = ("none", "q", "v")
OPTIMIZERS = ("rmsprop", "adam", "sgd")
LR_SCHEDULES = ("constant", "linear")
WORKER_MODES = ("serial", "hogwild", "sync")
LOGGER_BACKENDS = ("wandb", "off")
ARCHS = ("mlp", "atari_cnn")
PREPROCESSING = ("auto", "none", "atari")


@dataclass
class AlgoConfig:
    name: str = "a3c"
    critic: str = "v"  # none: REINFORCE; q: Q_w(s,a) critic (SARSA target); v: V(s) baseline
    n_steps: int = 5  # rollout length t_max; 0 = whole episode (Monte Carlo)
    gamma: float = 0.99
    entropy_coef: float = 0.01
    value_coef: float = 0.5
    lr: float = 7e-4
    lr_schedule: str = "constant"  # constant | linear (annealed to 0 at train.total_steps)
    optimizer: str = "rmsprop"  # statistics shared by all workers in hogwild mode
    rmsprop_alpha: float = 0.99
    optimizer_eps: float = 1e-5
    max_grad_norm: float = 0.5  # 0 disables clipping


@dataclass
class ModelConfig:
    name: str = "mlp"
    arch: str = "mlp"  # mlp: separate actor and critic MLPs; atari_cnn: Mnih et al.'s shared conv torso
    hidden_sizes: List[int] = field(default_factory=lambda: [64, 64])  # mlp only
    fc_size: int = 256  # atari_cnn only: the fully connected layer after the convolutions
    lstm_size: int = 0  # atari_cnn only: LSTM cells after the fc layer; 0 = feed-forward


@dataclass
class AtariConfig:
    """DeepMind preprocessing (Mnih et al. 2015, 2016), applied to ALE/ ids."""

    noop_max: int = 30  # up to this many no-ops at the start of each game
    frame_skip: int = 4  # one agent step repeats the action this often; max-pool of the last two frames
    screen_size: int = 84  # grayscale, resized to screen_size x screen_size
    frame_stack: int = 4
    terminal_on_life_loss: bool = True  # for training only: the logged return is the whole game's
    clip_rewards: bool = True  # to [-1, 1] for training; the logged return is the game score
    repeat_action_probability: float = 0.0  # sticky actions; ALE v5's own default is 0.25, the paper had none


@dataclass
class EnvConfig:
    name: str = "cartpole"
    id: str = "CartPole-v1"
    target_return: Optional[float] = 475.0  # the task's "solved" mean over 100 episodes
    max_episode_steps: Optional[int] = None  # None keeps the gymnasium registration's limit
    preprocessing: str = "auto"  # auto: atari for ALE/ ids, else none
    atari: AtariConfig = field(default_factory=AtariConfig)


@dataclass
class WorkersConfig:
    mode: str = "hogwild"
    count: int = 2
    envs_per_worker: int = 4  # one batched forward steps them all


@dataclass
class TrainConfig:
    seed: int = 0
    total_steps: int = 1_000_000
    max_minutes: float = 20.0
    target_return: Optional[float] = "${env.target_return}"  # type: ignore[assignment]  # mean of last 100
    stop_at_target: bool = True
    checkpoint_every_steps: int = 100_000  # 0: only at the end
    resume: Optional[str] = None  # a run directory or checkpoint; a run dir's own checkpoint resumes by itself
    max_bad_updates: int = 100  # NaN/inf updates skipped before the run stops with an error
    log_every_updates: int = 50  # per worker: loss means and SPS go out this often
    progress: bool = True


@dataclass
class LoggerConfig:
    backend: str = "wandb"
    mode: str = "offline"
    project: str = "a3c"
    entity: Optional[str] = None
    group: Optional[str] = None  # None: the sweep directory's name in a multirun
    name: Optional[str] = None  # None: algo, the overrides that vary in the sweep, then the seed
    tags: List[str] = field(default_factory=list)  # env id and worker mode are always added


@dataclass
class Config:
    algo: AlgoConfig = field(default_factory=AlgoConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    env: EnvConfig = field(default_factory=EnvConfig)
    workers: WorkersConfig = field(default_factory=WorkersConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    logger: LoggerConfig = field(default_factory=LoggerConfig)


def register_configs() -> None:
    store = ConfigStore.instance()
    store.store(name="base_config", node=Config)
    for group, schema in (
        ("algo", AlgoConfig),
        ("model", ModelConfig),
        ("env", EnvConfig),
        ("workers", WorkersConfig),
        ("logger", LoggerConfig),
    ):
        store.store(group="schema", name=group, node=schema)


def flatten(node: dict, prefix: str = "") -> dict:
    """{"algo": {"lr": 1e-3}} -> {"algo.lr": 1e-3}: the dotted keys of Hydra overrides."""
    flat = {}
    for key, value in node.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


class ConfigError(ValueError):
    """A bad setting: the message names the key, the value and what is allowed."""


def _check(ok: bool, key: str, value: Any, allowed: str) -> None:
    if not ok:
        raise ConfigError(f"{key}={value!r} is not allowed: {allowed}")


def validate(cfg: Config) -> None:
    """Cross-field rules that types alone cannot express. Raises ConfigError."""
    algo, workers, train = cfg.algo, cfg.workers, cfg.train
    _check(algo.critic in CRITICS, "algo.critic", algo.critic, f"one of {', '.join(CRITICS)}")
    _check(algo.optimizer in OPTIMIZERS, "algo.optimizer", algo.optimizer, f"one of {', '.join(OPTIMIZERS)}")
    _check(0.0 < algo.gamma <= 1.0, "algo.gamma", algo.gamma, "a discount in (0, 1]")
    _check(algo.n_steps >= 0, "algo.n_steps", algo.n_steps, "an integer >= 0 (0 = whole episode)")
    _check(
        algo.critic != "none" or algo.n_steps == 0,
        "algo.n_steps",
        algo.n_steps,
        "0 when algo.critic=none (without a critic there is nothing to bootstrap from)",
    )
    _check(algo.lr > 0, "algo.lr", algo.lr, "a learning rate > 0")
    _check(algo.lr_schedule in LR_SCHEDULES, "algo.lr_schedule", algo.lr_schedule, f"one of {', '.join(LR_SCHEDULES)}")
    _check(algo.entropy_coef >= 0, "algo.entropy_coef", algo.entropy_coef, "a coefficient >= 0")
    _check(algo.value_coef >= 0, "algo.value_coef", algo.value_coef, "a coefficient >= 0")
    _check(algo.max_grad_norm >= 0, "algo.max_grad_norm", algo.max_grad_norm, ">= 0 (0 disables clipping)")
    _check(0 < algo.rmsprop_alpha < 1, "algo.rmsprop_alpha", algo.rmsprop_alpha, "a decay in (0, 1)")
    _check(algo.optimizer_eps > 0, "algo.optimizer_eps", algo.optimizer_eps, "a value > 0")
    _validate_model(cfg.model)
    _check(workers.mode in WORKER_MODES, "workers.mode", workers.mode, f"one of {', '.join(WORKER_MODES)}")
    _check(workers.count >= 1, "workers.count", workers.count, "an integer >= 1")
    _check(workers.envs_per_worker >= 1, "workers.envs_per_worker", workers.envs_per_worker, "an integer >= 1")
    _check(train.total_steps >= 1, "train.total_steps", train.total_steps, "an integer >= 1")
    _check(train.max_minutes > 0, "train.max_minutes", train.max_minutes, "minutes > 0")
    _check(train.checkpoint_every_steps >= 0, "train.checkpoint_every_steps", train.checkpoint_every_steps, "an integer >= 0 (0: only at the end)")
    _check(train.max_bad_updates >= 0, "train.max_bad_updates", train.max_bad_updates, "an integer >= 0")
    _check(train.log_every_updates >= 1, "train.log_every_updates", train.log_every_updates, "an integer >= 1")
    _check(cfg.logger.backend in LOGGER_BACKENDS, "logger.backend", cfg.logger.backend, f"one of {', '.join(LOGGER_BACKENDS)}")
    _check(
        cfg.logger.mode in ("online", "offline", "disabled"),
        "logger.mode",
        cfg.logger.mode,
        "one of online, offline, disabled",
    )
    _validate_env(cfg.env, algo.critic, cfg.model)


def _validate_model(model: ModelConfig) -> None:
    _check(model.arch in ARCHS, "model.arch", model.arch, f"one of {', '.join(ARCHS)}")
    _check(all(h > 0 for h in model.hidden_sizes), "model.hidden_sizes", list(model.hidden_sizes), "positive layer widths")
    _check(model.fc_size > 0, "model.fc_size", model.fc_size, "a layer width > 0")
    _check(model.lstm_size >= 0, "model.lstm_size", model.lstm_size, "an integer >= 0 (0 = feed-forward)")
    _check(model.lstm_size == 0 or model.arch == "atari_cnn", "model.lstm_size", model.lstm_size,
           "0 with model.arch=mlp (the LSTM sits on the atari_cnn torso)")


def _validate_atari(atari: AtariConfig) -> None:
    _check(atari.noop_max >= 0, "env.atari.noop_max", atari.noop_max, "an integer >= 0")
    _check(atari.frame_skip >= 1, "env.atari.frame_skip", atari.frame_skip, "an integer >= 1")
    _check(atari.screen_size >= 36, "env.atari.screen_size", atari.screen_size, "an integer >= 36 (the convolutions need room)")
    _check(atari.frame_stack >= 1, "env.atari.frame_stack", atari.frame_stack, "an integer >= 1")
    _check(0.0 <= atari.repeat_action_probability < 1.0, "env.atari.repeat_action_probability",
           atari.repeat_action_probability, "a probability in [0, 1)")


def _validate_env(env_cfg: EnvConfig, critic: str, model: ModelConfig) -> None:
    import gymnasium as gym

    from a3c.atari import is_ale_id, register_atari
    from a3c.envs import make_env, uses_atari_preprocessing

    _check(env_cfg.preprocessing in PREPROCESSING, "env.preprocessing", env_cfg.preprocessing,
           f"one of {', '.join(PREPROCESSING)}")
    register_atari(env_cfg.id)
    if uses_atari_preprocessing(env_cfg):
        _check(is_ale_id(env_cfg.id), "env.preprocessing", env_cfg.preprocessing,
               f"auto or none for {env_cfg.id}: the atari preprocessing needs an ALE/<Game>-v5 id")
        _validate_atari(env_cfg.atari)
    try:
        gym.spec(env_cfg.id)
    except gym.error.Error as err:
        raise ConfigError(f"env.id={env_cfg.id!r} is not allowed: a registered gymnasium id ({err})") from None
    _check(
        env_cfg.max_episode_steps is None or env_cfg.max_episode_steps >= 1,
        "env.max_episode_steps",
        env_cfg.max_episode_steps,
        "null or an integer >= 1",
    )
    env = make_env(env_cfg, seed=0)
    try:
        discrete = isinstance(env.action_space, gym.spaces.Discrete)
        flat_box = isinstance(env.action_space, gym.spaces.Box) and len(env.action_space.shape) == 1
        _check(discrete or flat_box, "env.id", env_cfg.id,
               f"an environment with Discrete or flat Box actions (this one has {env.action_space})")
        _check(discrete or critic != "q", "algo.critic", critic,
               f"none or v for continuous actions: the Q critic scores each of a discrete set ({env_cfg.id} has {env.action_space})")
        obs_space = env.observation_space
        _check(isinstance(obs_space, gym.spaces.Box) and len(obs_space.shape) in (1, 3), "env.id", env_cfg.id,
               f"an environment with flat or image (C, H, W) Box observations (this one has {obs_space})")
        image = len(obs_space.shape) == 3
        _check(image == (model.arch == "atari_cnn"), "model.arch", model.arch,
               f"{'atari_cnn (model=atari_cnn or model=atari_cnn_lstm)' if image else 'mlp (model=mlp)'} "
               f"for {env_cfg.id}'s observations of shape {obs_space.shape}")
    finally:
        env.close()
