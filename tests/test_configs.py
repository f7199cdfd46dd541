"""Every group option composes into the typed schema; bad input fails early and clearly."""
import itertools
import json
from pathlib import Path

import pytest
import yaml
from conftest import make_config, run_cli

from a3c.cli.validate import validate
from a3c.config.rules import ConfigError

ALGOS = ["reinforce", "ac_q", "ac_baseline", "a2c", "a3c"]
WORKERS = ["serial", "hogwild", "sync"]
ENVS = {"cartpole": "CartPole-v1", "acrobot": "Acrobot-v1", "lunar_lander": "LunarLander-v3", "mountain_car": "MountainCar-v0",
        "pong": "ALE/Pong-v5", "breakout": "ALE/Breakout-v5"}


@pytest.mark.parametrize("algo,workers", itertools.product(ALGOS, WORKERS))
def test_every_algo_and_worker_mode_composes_and_validates(algo, workers):
    cfg = make_config(f"algo={algo}", f"workers={workers}")
    assert (cfg.algo.name, cfg.workers.mode) == (algo, workers)
    validate(cfg)


@pytest.mark.parametrize("env,env_id", ENVS.items())
def test_env_presets_name_their_gymnasium_id(env, env_id):
    cfg = make_config(f"env={env}")
    assert cfg.env.id == env_id
    validate(cfg)


def test_defaults_are_a3c_on_cartpole_with_two_hogwild_workers():
    cfg = make_config()
    assert (cfg.algo.name, cfg.algo.critic, cfg.algo.n_steps, cfg.algo.optimizer) == ("a3c", "v", 5, "rmsprop")
    assert (cfg.env.id, cfg.train.target_return) == ("CartPole-v1", 475.0)
    assert (cfg.workers.mode, cfg.workers.count) == ("hogwild", 2)


def test_the_paper_entropy_bonus_except_where_a_pair_is_tuned():
    assert make_config("env=pong").algo.entropy_coef == 0.01
    assert make_config("env=cartpole").algo.entropy_coef == 0.0  # conf/tuned/a3c_cartpole.yaml
    assert make_config("env=cartpole", "algo.entropy_coef=0.01").algo.entropy_coef == 0.01


def test_variants_are_points_in_one_space():
    reinforce, ac_q, baseline, a3c = (make_config(f"algo={a}").algo for a in ["reinforce", "ac_q", "ac_baseline", "a3c"])
    assert (reinforce.critic, reinforce.n_steps) == ("none", 0)
    assert (ac_q.critic, ac_q.n_steps) == ("q", 1)
    assert (baseline.critic, baseline.n_steps) == ("v", 1)
    assert (a3c.critic, a3c.n_steps) == ("v", 5)


def test_a2c_brings_synchronous_workers_unless_told_otherwise():
    assert make_config("algo=a2c").workers.mode == "sync"
    assert make_config("algo=a2c", "workers=hogwild").workers.mode == "hogwild"


def test_in_between_ablations_are_one_override_away():
    validate(make_config("algo=reinforce", "algo.critic=v", "algo.value_coef=0.5"))  # REINFORCE with a V baseline
    validate(make_config("algo=a3c", "algo.entropy_coef=0"))
    validate(make_config("algo=ac_baseline", "workers=hogwild", "workers.count=4"))
    validate(make_config("env=gym", "env.id=MountainCar-v0"))
    validate(make_config("env=atari", "env.id=ALE/Seaquest-v5"))  # any game
    validate(make_config("env=pong", "model=atari_cnn_lstm", "env.atari.terminal_on_life_loss=false"))


def test_atari_presets_bring_the_paper_network_unless_told_otherwise():
    assert make_config("env=pong").model.name == "atari_cnn"
    assert make_config("env=breakout", "model=atari_cnn_lstm").model.lstm_size == 256


@pytest.mark.parametrize("model", ["atari_cnn", "atari_cnn_lstm"])
def test_the_atari_a3c_preset_has_the_paper_settings(model):
    cfg = make_config("experiment=atari_a3c", f"model={model}")
    validate(cfg)
    assert (cfg.workers.mode, cfg.workers.count, cfg.workers.envs_per_worker) == ("hogwild", 16, 1)
    algo = cfg.algo
    assert (algo.n_steps, algo.gamma, algo.entropy_coef, algo.optimizer) == (5, 0.99, 0.01, "rmsprop_paper")
    assert (algo.rmsprop_alpha, algo.optimizer_eps, algo.lr, algo.lr_schedule) == (0.99, 0.1, 7e-4, "linear")
    assert (algo.max_grad_norm, algo.loss_reduction) == (40.0, "sum")


def test_only_the_papers_atari_preset_sums_its_losses():
    # Every other preset is tuned with mean losses (A2C's and SB3's); the default stays mean.
    assert make_config().algo.loss_reduction == "mean"
    for algo in ("reinforce", "ac_q", "ac_baseline", "a2c", "a3c"):
        assert make_config(f"algo={algo}").algo.loss_reduction == "mean"


@pytest.mark.parametrize("algo,env", itertools.product(
    ["a2c", "a3c"], ["cartpole", "acrobot", "lunar_lander", "pendulum", "inverted_pendulum", "mountain_car"]))
def test_every_tuned_preset_is_picked_by_its_pair_and_validates(algo, env):
    cfg = make_config(f"algo={algo}", f"env={env}")
    assert cfg.algo.entropy_coef < 0.01  # every preset lowers the paper's bonus, as the Zoo's A2C settings do
    validate(cfg)


def test_the_pendulum_preset_is_the_zoo_setting():
    algo, env = make_config("algo=a3c", "env=pendulum").algo, make_config("algo=a3c", "env=pendulum").env
    assert (algo.n_steps, algo.gamma, algo.gae_lambda, algo.lr_schedule) == (8, 0.9, 0.9, "linear")
    assert env.normalize_obs and env.normalize_reward


@pytest.mark.parametrize(
    "override,message",
    [
        ("algo.gamma=1.5", "algo.gamma=1.5 is not allowed: a discount in (0, 1]"),
        ("workers.count=0", "workers.count=0 is not allowed: an integer >= 1"),
        ("algo.n_steps=-3", "algo.n_steps=-3 is not allowed: an integer >= 0"),
        ("algo.critic=w", "algo.critic='w' is not allowed: one of none, q, v"),
        ("env.id=Pendulum-v1 algo=ac_q", "algo.critic='q' is not allowed: none or v for continuous actions"),
        ("env=pendulum model.gaussian_std=fixed", "model.gaussian_std='fixed' is not allowed: one of output, parameter"),
        ("env=pong model=mlp", "model.arch='mlp' is not allowed: atari_cnn or minatar_cnn"),
        ("model=atari_cnn", "model.arch='atari_cnn' is not allowed: mlp (model=mlp or model=mlp_lstm) for CartPole-v1"),
        ("env=minatar_breakout model=atari_cnn", "model.arch='atari_cnn' is not allowed: minatar_cnn for MinAtar/Breakout-v1"),
        ("env.hide_obs=[1,4]", "env.hide_obs=[1, 4] is not allowed: indices into CartPole-v1's flat observation of shape (4,)"),
        ("env=pong env.atari.frame_skip=0", "env.atari.frame_skip=0 is not allowed: an integer >= 1"),
        ("env.preprocessing=atari", "env.preprocessing='atari' is not allowed: auto or none for CartPole-v1"),
        ("algo.gae_lambda=0", "algo.gae_lambda=0.0 is not allowed: a value in (0, 1] (1 = n-step returns)"),
        ("env=pong env.normalize_obs=true", "env.normalize_obs=True is not allowed: false for ALE/Pong-v5's image observations"),
        ("env.clip_reward=0", "env.clip_reward=0.0 is not allowed: a bound > 0 on normalized rewards"),
        ("algo=ac_q algo.gae_lambda=0.9", "algo.gae_lambda=0.9 is not allowed: 1.0 when algo.critic=q"),
        ("train.seed=-1", "train.seed=-1 is not allowed: an integer from 0 to 922337203685476"),
        # torch takes seeds below 2**63, and a run draws up to train.seed * 10,000.
        ("train.seed=10000000000000000", "train.seed=10000000000000000 is not allowed: an integer from 0 to"),
        # NaN passes no bound's check by failing it, inf would fail in a worker: both by key.
        ("algo.lr=inf", "algo.lr=inf is not allowed: a finite number"),
        ("model=mlp_lstm model.lstm_forget_bias=nan", "model.lstm_forget_bias=nan is not allowed: a finite number"),
        ("env.hide_obs=[0,1,2,3]", "env.hide_obs=[0, 1, 2, 3] is not allowed: indices of some, not all, of the 4 entries"),
        ("env=gym env.id=InvertedPendulum-v2", "env.id='InvertedPendulum-v2' is not allowed: it cannot be made here (ImportError"),
        ("env=gym env.id=no_such_module:Mine-v0", "env.id='no_such_module:Mine-v0' is not allowed: its module does not import "
                                                 "(No module named 'no_such_module')"),
        ("algo=reinforce algo.critic=q", "algo.value_coef=0.0 is not allowed: > 0 when algo.critic=q (at 0 the critic never learns"),
    ],
)
def test_validate_names_key_value_and_what_is_allowed(override, message):
    with pytest.raises(ConfigError, match=None) as err:
        validate(make_config(*override.split()))
    assert str(err.value).startswith(message)


def test_reinforce_cannot_bootstrap_without_a_critic():
    with pytest.raises(ConfigError, match="algo.n_steps=5 is not allowed: 0 when algo.critic=none"):
        validate(make_config("algo=reinforce", "algo.n_steps=5"))


@pytest.mark.parametrize(
    "override,expected",
    [
        ("algo.gamma=1.5", ["error: algo.gamma=1.5 is not allowed: a discount in (0, 1]"]),
        ("workers.count=0", ["error: workers.count=0 is not allowed: an integer >= 1"]),
        ("env.id=NoSuchEnv-v0", ["error: env.id='NoSuchEnv-v0' is not allowed: a registered gymnasium id"]),
        ("algo.n_steps=-3", ["error: algo.n_steps=-3 is not allowed: an integer >= 0"]),
        # Hydra's own compose errors: the key and value, then the allowed options.
        ("algo=nonsense", ["Could not find 'algo/nonsense'", "Available options in 'algo':", "ac_baseline"]),
        ("workers.count=abc", ["Value 'abc' of type 'str' could not be converted to Integer", "full_key: workers.count"]),
        # A misspelt key is ours, one line, before Hydra composes (a3c/cli/typos.py).
        ("algo.n_stepz=3", ["error: algo.n_stepz=3 is not allowed: algo has no such key; did you mean algo.n_steps?"]),
        # Hydra's hint for a misspelt key adds it; the schema still refuses it.
        ("+algo.entropy=0.1", ["error: algo.entropy=0.1 is not allowed: algo has no such key; did you mean algo.entropy_coef?"]),
        ("+foo=3", ["error: foo=3 is not allowed: the config has no such key"]),
        ("train.seed=-1", ["error: train.seed=-1 is not allowed: an integer from 0 to 922337203685476"]),
        ("env.hide_obs=[0,1,2,3]", ["error: env.hide_obs=[0, 1, 2, 3] is not allowed"]),  # was a crash in the check
    ],
)
def test_bad_input_on_the_command_line_fails_before_training(tmp_path, override, expected):
    result = run_cli(override, "logger=off", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert result.returncode != 0
    for text in expected:
        assert text in result.stderr
    assert not (tmp_path / "run" / "metrics.jsonl").exists()
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("study", ["lineage", "entropy", "n_steps", "workers", "learning_rate", "benchmark", "memory", "minatar",
                                   "search"])
def test_every_study_preset_composes(study):
    cfg = make_config(f"experiment={study}")
    assert cfg.train.progress is False
    validate(cfg)


def test_no_two_tuned_files_hold_the_same_values():
    """A tuning two pairs share lives in one file, the other pair's file includes it (defaults:),
    so that a change to it cannot reach one algorithm and miss the other."""

    tuned_dir = Path(__file__).resolve().parents[1] / "conf" / "tuned"
    by_values: dict = {}
    for path in sorted(tuned_dir.glob("*.yaml")):
        values = {k: v for k, v in (yaml.safe_load(path.read_text()) or {}).items() if k != "defaults"}
        if values:
            by_values.setdefault(json.dumps(values, sort_keys=True), []).append(path.name)
    repeated = [names for names in by_values.values() if len(names) > 1]
    assert not repeated, f"the same tuning in several files: {repeated}"
