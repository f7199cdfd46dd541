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
ARCHS = ("mlp", "atari_cnn", "minatar_cnn")
IMAGE_ARCHS = ("atari_cnn", "minatar_cnn")
GAUSSIAN_STDS = ("output", "parameter", "sde")  # a3c/distributions.py, GaussianHead
PREPROCESSING = ("auto", "none", "atari")
ENV_BACKENDS = ("gymnasium", "envpool")  # envpool: ALE games only (a3c/envs/envpool.py)
OBJECTIVES = ("last_100", "auc")  # what a job returns to a sweeper (a3c/train_cli.py, objective)
EVAL_SEED_BASE = 1_000_000  # evaluation envs' seeds start here: apart from training's


@dataclass
class AlgoConfig:
    name: str = "a3c"
    critic: str = "v"  # none: REINFORCE; q: Q_w(s,a) critic (SARSA target); v: V(s) baseline
    n_steps: int = 5  # rollout length t_max; 0 = whole episode (Monte Carlo)
    gamma: float = 0.99
    gae_lambda: float = 1.0  # GAE(lambda) (critic v only); 1.0 = the n-step returns exactly
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
    # mlp: separate actor and critic MLPs (one shared MLP torso under an LSTM);
    # atari_cnn: Mnih et al.'s shared conv torso; minatar_cnn: the MinAtar paper's
    arch: str = "mlp"
    hidden_sizes: List[int] = field(default_factory=lambda: [64, 64])  # mlp only
    fc_size: int = 256  # conv archs only: the fully connected layer after the convolutions
    lstm_size: int = 0  # LSTM cells between the torso and the heads; 0 = feed-forward
    # One body (torso and LSTM) under both heads, as the paper's Atari agents; false gives the
    # critic a body of its own, so its large early gradients stay out of the policy's features.
    shared_body: bool = False
    # Initial bias of the LSTM's forget gate; null keeps torch's default (small, random);
    # 1.0 is Jozefowicz et al. 2015's advice against early forgetting.
    lstm_forget_bias: Optional[float] = None
    # Continuous actions only. The Gaussian's std: "output" of the actor (softplus, the paper's),
    # a "parameter" apart from the state, a log-std starting at log_std_init (SB3's default), or
    # "sde", gSDE's state-dependent noise (the RL Zoo's A2C on Pendulum), log-std at log_std_init.
    gaussian_std: str = "output"
    log_std_init: float = 0.0


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
    # Who steps the envs: gymnasium (any id) or envpool (ALE/ ids with the atari preprocessing;
    # the same observations and scores, stepped in C++; a3c/envs/envpool.py)
    backend: str = "gymnasium"
    hide_obs: List[int] = field(default_factory=list)  # entries of a flat observation the agent never sees
    # Running normalization (SB3 VecNormalize's semantics, a3c/envs/normalize.py); logged
    # returns stay the env's own. The reward is scaled by the std of the discounted return.
    normalize_obs: bool = False
    normalize_reward: bool = False
    clip_obs: float = 10.0
    clip_reward: float = 10.0
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
    eval_every_steps: int = 0  # greedy evaluation of the global model this often (0 = off); best_policy.pt
    eval_episodes: int = 10
    # What the run returns to a sweeper such as Optuna's: last_100, the mean return of its last
    # 100 episodes (as summary.json); auc, the mean return of all its episodes (every episode in
    # metrics.jsonl, those before a resume too): the area under the learning curve over its
    # length in episodes, which rewards learning fast.
    objective: str = "last_100"


@dataclass
class EvalConfig:
    """`a3c-eval`'s own options (eval.*); not part of a training run's config."""

    episodes: int = 10
    greedy: bool = True  # argmax (or the Gaussian's mean) action; false samples from the policy
    # Episode i plays in a fresh env seeded seed + i, apart from training's seeds (train.seed * 10_000 + ...)
    seed: int = EVAL_SEED_BASE
    video: bool = False  # film every episode to <policy's directory>/videos/seed-<env seed>-episode-0.mp4
    # Also read a resume checkpoint (checkpoint.pt) as a policy: it is a pickle, so loading it
    # runs whatever code the file holds. Only for files you trust, e.g. runs older than policy.pt.
    trust_checkpoint: bool = False


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


def require(ok: bool, key: str, value: Any, allowed: str) -> None:
    if not ok:
        raise ConfigError(f"{key}={value!r} is not allowed: {allowed}")


def validate_settings(cfg: Config) -> None:
    """Ranges and cross-field rules that types alone cannot express, none of which needs an
    env (a3c/validate.py adds those that do). Raises ConfigError."""
    algo, workers, train = cfg.algo, cfg.workers, cfg.train
    require(algo.critic in CRITICS, "algo.critic", algo.critic, f"one of {', '.join(CRITICS)}")
    require(algo.optimizer in OPTIMIZERS, "algo.optimizer", algo.optimizer, f"one of {', '.join(OPTIMIZERS)}")
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
    # numpy and gymnasium take only unsigned seeds (a negative one fails deep in env.reset).
    require(train.seed >= 0, "train.seed", train.seed, "an integer >= 0")
    require(train.total_steps >= 1, "train.total_steps", train.total_steps, "an integer >= 1")
    require(train.max_minutes > 0, "train.max_minutes", train.max_minutes, "minutes > 0")
    require(train.checkpoint_every_steps >= 0, "train.checkpoint_every_steps", train.checkpoint_every_steps, "an integer >= 0 (0: only at the end)")
    require(train.max_bad_updates >= 0, "train.max_bad_updates", train.max_bad_updates, "an integer >= 0")
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


def validate_eval(options: EvalConfig) -> None:
    require(options.episodes >= 1, "eval.episodes", options.episodes, "an integer >= 1")
    require(options.seed >= 0, "eval.seed", options.seed, "an integer >= 0")


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
