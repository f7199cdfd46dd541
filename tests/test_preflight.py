"""Through the real CLI: a refused run leaves nothing behind, a sweep is checked whole before
its first job, a job that fails at run time fails only itself, and risky setups are warned of."""
import json
import os
import subprocess
import sys

import pytest
from conftest import make_config, run_cli

from a3c.cli.preflight import config_warnings
from a3c.cli.validate import validate

TINY = ["workers=serial", "train.total_steps=2000", "train.progress=false", "logger=off"]


def test_a_refused_run_leaves_no_directory_behind(tmp_path):
    result = run_cli("algo.gamma=1.5", "logger=off", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: algo.gamma=1.5 is not allowed: a discount in (0, 1]"
    assert list(tmp_path.iterdir()) == []  # no outputs/<date>/<time>-a3c-cartpole/


def test_a_sweep_with_one_bad_value_fails_before_any_job_starts(tmp_path):
    sweep = tmp_path / "sweep"
    result = run_cli("-m", "algo.gamma=0.99,1.5,0.9", *TINY, f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert result.returncode == 2
    assert "error: algo.gamma=1.5 is not allowed: a discount in (0, 1] (job 1 of 3)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not sweep.exists()


@pytest.mark.parametrize("values, expected", [
    ("algo=a3c,a3cc", "error: In 'train': Could not find 'algo/a3cc'"),
    ("algo.lr=0.001,abc", "error: Error merging override algo.lr=abc: Value 'abc' of type 'str' could not be "
                          "converted to Float (job 1 of 2)"),
])
def test_a_sweep_value_that_does_not_compose_is_refused_before_any_job_starts(tmp_path, values, expected):
    sweep = tmp_path / "sweep"
    result = run_cli("-m", values, *TINY, f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(expected) and result.stderr.count("error:") == 1, result.stderr
    assert result.stderr.strip().endswith("no job of the sweep was started")
    assert not sweep.exists()


def test_a_job_that_fails_at_run_time_fails_only_itself(tmp_path):
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "checkpoint.pt").write_bytes(b"not a checkpoint")
    sweep = tmp_path / "sweep"
    result = run_cli("-m", f"train.resume=null,{damaged},null", *TINY, f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert result.returncode == 1
    assert [json.loads((sweep / job / "summary.json").read_text())["global_step"] for job in ("0", "2")] == [2000, 2000]
    assert not (sweep / "1" / "summary.json").exists()
    assert f"error: 1 of 3 jobs failed:\n  {sweep / '1'}: train.resume='{damaged / 'checkpoint.pt'}' is not a readable checkpoint" in result.stderr
    assert "Traceback" not in result.stderr
    assert (sweep / "0" / "a3c-train.log").exists()  # Hydra's log, named after the app
    # Another sweep into the same directory, whose one job runs: job 1's failure was the last sweep's.
    again = run_cli("-m", "train.resume=null", *TINY, f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "failed" not in again.stderr


def test_an_env_id_under_another_tasks_preset_is_refused_saying_what_to_use(tmp_path):
    result = run_cli("env.id=MountainCar-v0", "logger=off", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: env.id='MountainCar-v0' is not allowed: CartPole-v1 with env=cartpole, whose run name, target and "
        "tuned settings are CartPole-v1's; for MountainCar-v0 use env=mountain_car")
    result = run_cli("env.id=MountainCarContinuous-v0", "logger=off", cwd=tmp_path)
    assert "for MountainCarContinuous-v0 use env=gym env.id=MountainCarContinuous-v0" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_generic_gym_preset_is_named_after_its_id_and_untuned():
    cfg = make_config("env=gym", "env.id=MountainCarContinuous-v0")
    validate(cfg)
    assert (cfg.env.name, cfg.env.target_return) == ("MountainCarContinuous-v0", None)
    assert cfg.algo.entropy_coef == 0.01  # A3C's own: conf/tuned/a3c_cartpole.yaml is CartPole's


def test_a_sweep_preset_without_multirun_warns_that_it_runs_one_job(tmp_path):
    result = run_cli("+experiment=entropy", *TINY, f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert ("warning: this config sweeps algo.entropy_coef, train.seed (hydra.sweeper.params), which only a "
            "multirun does: add -m to run the sweep") in result.stderr


def test_more_hogwild_workers_than_cores_are_warned_of(tmp_path):
    one_core = {min(os.sched_getaffinity(0))}
    result = subprocess.run(  # the default run's 2 workers on a process allowed one core
        [sys.executable, "-m", "a3c", "train.total_steps=2000", "train.progress=false", "logger=off",
         f"hydra.run.dir={tmp_path / 'run'}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, preexec_fn=lambda: os.sched_setaffinity(0, one_core))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "warning: workers.count=2 Hogwild processes on 1 cores" in result.stderr


def test_an_evaluation_period_past_the_budget_is_warned_of():
    assert config_warnings(make_config("workers=serial", "train.total_steps=5000", "train.eval_every_steps=6000")) == [
        "warning: train.eval_every_steps=6000 is past train.total_steps=5000: no periodic evaluation will run"]
    assert config_warnings(make_config("workers=serial", "train.total_steps=5000", "train.eval_every_steps=5000")) == []


def test_a_run_directory_that_cannot_be_created_is_one_clear_line(tmp_path):
    (tmp_path / "a_file").write_text("")
    result = run_cli(f"hydra.run.dir={tmp_path / 'a_file' / 'run'}", "logger=off", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"error: hydra.run.dir='{tmp_path / 'a_file' / 'run'}' is not allowed: a directory "
                                     f"this user can create and write ({tmp_path / 'a_file'} is not a writable directory)")


@pytest.mark.parametrize("key", ["hydra.run.dir", "hydra.sweep.dir"])
def test_a_directory_under_proc_is_refused_in_one_line_though_permissions_allow_it(tmp_path, key):
    # A permission check says yes under /proc (for root); only making the directory says no.
    mode = ["-m", "train.seed=0,1"] if key == "hydra.sweep.dir" else []
    result = run_cli(*mode, f"{key}=/proc/a3c-nope/run", "logger=off", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"error: {key}='/proc/a3c-nope/run' is not allowed: a directory this "
                                                  "user can create and write (No such file or directory)"]
    assert list(tmp_path.iterdir()) == []


def test_the_run_log_holds_what_the_run_said(tmp_path):
    run_dir = tmp_path / "run"
    result = run_cli("workers=serial", "logger=off", "train.total_steps=200", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    log = (run_dir / "a3c-train.log").read_text().splitlines()
    assert len(log) == 2, log
    assert "a3c on CartPole-v1, serial 1 worker x 4 envs, seed 0, 200 steps" in log[0]
    assert f"results: {run_dir}" in log[1] and "stopped: step budget reached" in log[1]


@pytest.mark.parametrize("arguments", [["algo.entropy_cof=0.1"], ["-m", "algo.entropy_coeff=0,0.01"]])
def test_a_misspelt_key_is_one_line_naming_the_key_meant_and_leaves_no_directory(tmp_path, arguments):
    # Hydra's own answer is seven lines advising `+algo.entropy_cof=...`, and a sweep leaves a directory.
    result = run_cli(*arguments, "logger=off", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {arguments[-1]} is not allowed: algo has no such key; did you mean algo.entropy_coef?"]
    assert list(tmp_path.iterdir()) == []


def test_a_misspelt_nested_key_or_group_is_named_too():
    from a3c.cli.typos import unknown_key

    assert unknown_key("env.atari.noop=3") == (
        "error: env.atari.noop=3 is not allowed: env.atari has no such key; did you mean env.atari.noop_max?")
    assert unknown_key("trian.seed=1") == (
        "error: trian.seed=1 is not allowed: the config has no such key; did you mean train.seed?")
    for fine in ("algo=a3c", "env.atari.noop_max=3", "model.hidden_sizes=[8,8]", "+experiment=search",
                 "hydra.run.dir=x", "hydra/launcher=joblib", "-m", "experiment=search"):
        assert unknown_key(fine) is None, fine


def test_a_tuned_preset_that_does_not_exist_is_refused_not_dropped_without_a_word(tmp_path):
    # The group is optional (most algo-env pairs have no tuning), so Hydra skips a missing choice.
    result = run_cli("tuned=a3c_cartpol", "logger=off", cwd=tmp_path)
    assert result.returncode == 2 and list(tmp_path.iterdir()) == []
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: tuned=a3c_cartpol: no such tuned preset; allowed: a2c_acrobot, ") and "a3c_cartpole," in line
    from a3c.cli.typos import unknown_tuned

    for fine in ("tuned=null", "tuned=NULL", "tuned=a3c_acrobot,a3c_cartpole", "tuned=a3c_acrobot, a3c_cartpole",
                 "tuned='a3c_cartpole'", "tuned=choice(a3c_acrobot,a3c_cartpole)", "tuned=glob(a3c_*)"):
        assert unknown_tuned(fine) is None, fine
    assert unknown_tuned("+tuned=a3c_acrobot,nope").startswith("error: tuned=nope: no such tuned preset")


COUNT_ENV_CHECKS = """
import atexit, sys
import a3c.cli.validate as validate
checked = []
original = validate.validate_env
validate.validate_env = lambda cfg: (checked.append(cfg.train.seed), original(cfg))[1]
atexit.register(lambda: print("env checks:", sorted(checked), file=sys.stderr))
from a3c.__main__ import main
sys.argv[1:] = {args!r}
main()
"""


@pytest.mark.parametrize("args,seeds", [
    ([], [0]),
    (["-m", "train.seed=0,1"], [0, 1]),
], ids=["a run", "a sweep of two jobs"])
def test_each_job_is_validated_once(tmp_path, args, seeds):
    args = [*args, "workers=serial", "logger=off", "train.progress=false", "train.total_steps=200",
            f"hydra.run.dir={tmp_path}/run", f"hydra.sweep.dir={tmp_path}/sweep"]
    result = subprocess.run([sys.executable, "-c", COUNT_ENV_CHECKS.format(args=args)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"env checks: {seeds}" in result.stderr, result.stderr[-2000:]


def test_a_check_that_crashes_stops_the_run_rather_than_warning_and_starting_it(capsys):
    # Hydra reports an exception raised in a callback as a warning and runs the job anyway.
    from omegaconf import OmegaConf

    from a3c.cli.hooks import Preflight

    with pytest.raises(SystemExit) as stopped:
        Preflight().on_run_start(OmegaConf.create({"hydra": {}}))  # no run dir: the check itself fails
    assert stopped.value.code == 1
    assert capsys.readouterr().err.startswith("error: the start-up checks failed (")
