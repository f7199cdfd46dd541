"""Typed schemas for every config group (the rules their values obey: a3c/config/rules.py).

Each yaml in conf/<group>/ extends the dataclass registered here as `schema/<group>` (its
first default, `/schema/<group>@_here_`), and conf/train.yaml the whole `base_config`, so a misspelt key or a string where a number belongs fails when
Hydra composes the config, before anything runs.

Longer than 200 lines because the whole config space reads in one file: one dataclass per
group, and the names of what each key allows beside them.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import List, Optional

from hydra.core.config_store import ConfigStore

CRITICS = ("none", "q", "v")
# rmsprop: torch's rule, eps outside the square root; rmsprop_paper: the paper's, eps inside it
OPTIMIZERS = ("rmsprop", "rmsprop_paper", "adam", "sgd")
LOSS_REDUCTIONS = ("mean", "sum")  # a3c/learn/losses.py
LR_SCHEDULES = ("constant", "linear")
WORKER_MODES = ("serial", "hogwild", "sync")
LOGGER_BACKENDS = ("wandb", "off")
ARCHS = ("mlp", "atari_cnn", "minatar_cnn")
IMAGE_ARCHS = ("atari_cnn", "minatar_cnn")
GAUSSIAN_STDS = ("output", "parameter", "sde")  # a3c/agent/distributions.py, GaussianHead
PREPROCESSING = ("auto", "none", "atari")
ENV_BACKENDS = ("gymnasium", "envpool")  # envpool: ALE games only (a3c/envs/envpool.py)
OBJECTIVES = ("last_100", "auc")  # what a job returns to a sweeper (a3c/cli/train.py, objective)
EVAL_SEED_BASE = 1_000_000
SEEDS_PER_RUN = 10_000  # seeds train.seed * SEEDS_PER_RUN + i are one run's: its workers, envs, evaluations


def first_seed(train_seed: int) -> int:
    """The first of the seeds a run with this train.seed draws from (workers, envs, evaluations)."""
    return train_seed * SEEDS_PER_RUN


def periodic_eval_seed(train: "TrainConfig", global_step: int) -> int:
    """The env seed of the first episode of the periodic evaluation at global_step (its others
    take the next ones): fresh seeds each evaluation, the same ones after a resume."""
    return EVAL_SEED_BASE + first_seed(train.seed) + global_step // train.eval_every_steps * train.eval_episodes
# Keys (or key prefixes) that say how a run is watched, never what it learns: two runs that
# differ only in these are the same experiment (checkpoint.py's resume check, search.py's study check).
BOOKKEEPING_KEYS = ("train.progress", "train.log_every_updates", "train.checkpoint_every_steps", "train.resume",
                    "train.max_bad_updates", "train.stall_minutes", "train.eval_", "logger.")  # evaluation envs' seeds start here: apart from training's


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
    # mean: the losses average over the rollout's valid samples (A2C's and SB3's way); sum: the
    # gradient of every step (and env) of the rollout accumulated, as the paper's Algorithm S3
    loss_reduction: str = "mean"


@dataclass
class ModelConfig:
    name: str = "mlp"
    # mlp: actor and critic MLPs, separate or shared as shared_body says, with or without an LSTM;
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
    # Continuous actions only. The Gaussian's std: "output" of the actor (softplus, after the paper's),
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
    stall_minutes: float = 5.0  # a Hogwild worker with no update for this long ends the run with an error (0: never)
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
    # Episode i plays in a fresh env seeded seed + i, apart from training's seeds (first_seed(train.seed) + ...)
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
    from a3c.config.run_name import register_run_name

    register_run_name()  # hydra.run.dir's ${run_name:...}
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


def saved_settings(saved: dict) -> dict:
    """A saved config (a checkpoint's, a run's config.yaml), flat; a key added since it was
    written held its schema default there."""
    return {**flatten(asdict(Config())), **flatten(saved)}


def short_value(value: object) -> str:
    """A value as a name or label shows it: floats drawn from an interval by 3 significant digits."""
    return str(float(f"{value:.3g}")) if isinstance(value, float) else str(value)  # 0.0 stays 0.0
