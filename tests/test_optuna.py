"""Searches with our Optuna sweeper (conf/experiment/search.yaml, a3c/cli/search.py): real
Hydra, real optuna with its journal file (or sqlite), real training jobs with tiny budgets."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
import yaml
from conftest import ctrl_c_as_from_a_terminal, run_cli
from wandb_reader import read_offline_run

TINY = ["train.total_steps=1500", "workers=serial", "logger=off"]
COMPLETE, FAIL = optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL


def search(tmp_path: Path, *overrides: str):
    return run_cli("-m", "+experiment=search", *TINY, f"hydra.sweep.dir={tmp_path / 'search'}", *overrides, cwd=tmp_path)


def journal(sweep: Path) -> optuna.storages.JournalStorage:
    return optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(sweep / "optuna.journal")))


def load_study(sweep: Path, name: str = "search-a3c-cartpole") -> optuna.Study:
    return optuna.load_study(study_name=name, storage=journal(sweep))


def job_dirs(sweep: Path) -> list[Path]:
    return sorted((path for path in sweep.iterdir() if path.is_dir()), key=lambda path: int(path.name))


def summary(job: Path) -> dict:
    return json.loads((job / "summary.json").read_text())


def test_a_search_writes_its_best_trial_and_running_it_again_continues_the_study(tmp_path):
    sweep = tmp_path / "search"
    first = search(tmp_path, "hydra.sweeper.n_trials=3")
    assert first.returncode == 0, first.stderr[-3000:]
    results = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    finals = {job.name: summary(job)["mean_return_last_100"] for job in job_dirs(sweep)}
    assert sorted(finals) == ["0", "1", "2"]
    best_job = max(finals, key=finals.get)
    assert results["best_value"] == finals[best_job]
    assert load_study(sweep).best_trial.number == int(best_job)  # job directory N holds trial N
    first_summaries = {name: summary(sweep / name) for name in finals}

    again = search(tmp_path, "hydra.sweeper.n_trials=5")  # the study's total, not 5 more
    assert again.returncode == 0, again.stderr[-3000:]
    trials = load_study(sweep).trials
    assert [t.state for t in trials] == [COMPLETE] * 5
    assert [job.name for job in job_dirs(sweep)] == ["0", "1", "2", "3", "4"]
    assert {name: summary(sweep / name) for name in first_summaries} == first_summaries  # not run again
    assert len({t.params["algo.lr"] for t in trials}) == 5  # the seeded sampler did not start over
    # The log names each trial by its number, in plain text when it goes to a file or pipe.
    assert [line.split(":")[0] for line in again.stdout.splitlines() if line.startswith("trial ")] == ["trial 3", "trial 4"]
    assert "\x1b[" not in first.stdout + first.stderr + again.stdout + again.stderr
    for trial in trials:
        assert trial.value == summary(sweep / str(trial.number))["mean_return_last_100"]


def test_continuing_a_study_with_another_budget_is_refused_in_one_line_and_mixes_nothing(tmp_path):
    sweep = tmp_path / "search"
    first = search(tmp_path, "hydra.sweeper.n_trials=1")
    assert first.returncode == 0, first.stderr[-3000:]

    changed = search(tmp_path, "hydra.sweeper.n_trials=2", "train.total_steps=1000")
    assert changed.returncode == 2
    error = changed.stderr.strip().splitlines()
    assert len(error) == 1 and "train.total_steps=1500 then, 1000 now" in error[0], changed.stderr[-2000:]
    assert len(load_study(sweep).trials) == 1  # nothing of the other budget joined the study

    logging_only = search(tmp_path, "hydra.sweeper.n_trials=2", "train.log_every_updates=7")
    assert logging_only.returncode == 0, logging_only.stderr[-3000:]  # bookkeeping is not a setting
    assert len(load_study(sweep).trials) == 2

    # Nor does a study mix search spaces (Optuna would stop on a changed choice with a traceback).
    other_space = search(tmp_path, "hydra.sweeper.n_trials=3", "algo.n_steps=choice(5,20)")
    assert other_space.returncode == 2 and "Traceback" not in other_space.stderr, other_space.stderr[-2000:]
    assert "search space of algo.n_steps='choice(5, 10, 20)' then, 'choice(5,20)' now" in other_space.stderr
    assert len(load_study(sweep).trials) == 2


def test_a_trial_a_killed_search_left_running_is_replaced(tmp_path):
    sweep = tmp_path / "search"
    sweep.mkdir()
    study = optuna.create_study(study_name="search-a3c-cartpole", storage=journal(sweep), direction="maximize")
    gone = subprocess.Popen(["true"])
    gone.wait()
    # What kill -9 of a search leaves in the storage: a trial that never reported, owned by a dead process.
    study.ask().set_user_attr("search", f"{socket.gethostname()}:{gone.pid}")
    result = search(tmp_path, "hydra.sweeper.n_trials=2")
    assert result.returncode == 0, result.stderr[-3000:]
    trials = load_study(sweep).trials
    assert [(t.state, t.user_attrs.get("interrupted", False)) for t in trials] == [
        (FAIL, True), (COMPLETE, False), (COMPLETE, False)]
    assert [job.name for job in job_dirs(sweep)] == ["1", "2"]


def test_a_trial_of_a_search_still_running_is_left_to_it(tmp_path):
    sweep = tmp_path / "search"
    sweep.mkdir()
    study = optuna.create_study(study_name="search-a3c-cartpole", storage=journal(sweep), direction="maximize")
    study.ask().set_user_attr("search", f"{socket.gethostname()}:{os.getpid()}")  # this test is alive
    result = search(tmp_path, "hydra.sweeper.n_trials=2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert [t.state for t in load_study(sweep).trials] == [optuna.trial.TrialState.RUNNING, COMPLETE]


def test_ctrl_c_marks_the_running_trial_interrupted_and_the_same_command_continues(tmp_path):
    sweep = tmp_path / "search"
    args = [sys.executable, "-m", "a3c", "-m", "experiment=search", "workers=serial", "logger=off",
            "train.total_steps=20000", "hydra.sweeper.n_trials=2", f"hydra.sweep.dir={sweep}"]
    process = subprocess.Popen(args, cwd=tmp_path, stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=ctrl_c_as_from_a_terminal)
    deadline = time.monotonic() + 120
    while not (sweep / "0" / "metrics.jsonl").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the whole process group
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr[-2000:]
    assert stderr.strip().splitlines()[-1] == f"interrupted: results and a checkpoint to resume from are in {sweep / '0'}"
    assert [(t.state, t.user_attrs.get("interrupted")) for t in load_study(sweep).trials] == [(FAIL, True)]

    again = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert [t.state for t in load_study(sweep).trials] == [FAIL, COMPLETE, COMPLETE]


def test_four_searches_at_once_share_one_journal_and_run_each_trial_once(tmp_path):
    sweep = tmp_path / "search"
    args = [sys.executable, "-m", "a3c", "-m", "experiment=search", *TINY, "hydra.sweeper.n_trials=8",
            f"hydra.sweep.dir={sweep}"]
    env = {**os.environ, "WANDB_SILENT": "true"}
    processes = [subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True) for _ in range(4)]
    errors = [process.communicate(timeout=900)[1] for process in processes]
    assert [process.returncode for process in processes] == [0] * 4, [error[-2000:] for error in errors]
    trials = load_study(sweep).trials
    run = [t for t in trials if t.state == COMPLETE]
    assert len(run) == 8
    # Any other trial is one a search asked once the study was full, marked and never run.
    assert all(t.state == FAIL and t.user_attrs["surplus"] for t in trials if t.state != COMPLETE)
    assert sorted(job.name for job in job_dirs(sweep)) == sorted(str(t.number) for t in run)  # one job each
    assert len({t.user_attrs["search"] for t in run}) > 1  # the searches really shared the work
    assert len({t.params["algo.lr"] for t in run}) == 8  # each trial drew its own values
    for trial in run:
        assert trial.value == summary(sweep / str(trial.number))["mean_return_last_100"]
    best = max(trial.value for trial in run)
    assert load_study(sweep).best_value == best
    assert yaml.safe_load((sweep / "optimization_results.yaml").read_text())["best_value"] == best


def test_a_database_url_is_a_storage_too(tmp_path):
    url = f"sqlite:///{tmp_path / 'db' / 'studies.db'}"
    result = search(tmp_path, "hydra.sweeper.n_trials=2", f"hydra.sweeper.storage={url}")
    assert result.returncode == 0, result.stderr[-3000:]
    trials = optuna.load_study(study_name="search-a3c-cartpole", storage=url).trials
    assert [t.state for t in trials] == [COMPLETE] * 2
    assert not (tmp_path / "search" / "optuna.journal").exists()


def test_the_learning_rate_study_draws_the_same_rates_for_both_optimizers(tmp_path):
    rates = {}
    for optimizer in ("rmsprop", "adam"):
        sweep = tmp_path / optimizer
        result = run_cli("-m", "experiment=learning_rate", f"algo.optimizer={optimizer}", *TINY,
                         "hydra.sweeper.n_trials=3", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
        assert result.returncode == 0, result.stderr[-3000:]
        study = load_study(sweep, f"learning_rate-{optimizer}")
        rates[optimizer] = [t.params["algo.lr"] for t in study.trials]
        assert all(1e-4 <= rate <= 1e-2 for rate in rates[optimizer])
    assert rates["rmsprop"] == rates["adam"] and len(set(rates["adam"])) == 3


def test_the_auc_objective_is_the_mean_return_of_all_episodes(tmp_path):
    sweep = tmp_path / "search"
    # A slow learner plays over 100 episodes, so that all of them are more than the last 100.
    result = search(tmp_path, "hydra.sweeper.n_trials=2", "train.objective=auc", "train.total_steps=4000", "algo.lr=1e-4")
    assert result.returncode == 0, result.stderr[-3000:]
    for trial in load_study(sweep).trials:
        lines = [json.loads(line) for line in (sweep / str(trial.number) / "metrics.jsonl").read_text().splitlines()]
        returns = [line["charts/episodic_return"] for line in lines if "charts/episodic_return" in line]
        assert len(returns) > 100
        assert trial.value == pytest.approx(sum(returns) / len(returns))
        assert trial.value != pytest.approx(summary(sweep / str(trial.number))["mean_return_last_100"])


def test_every_trial_is_a_wandb_run_of_the_search_named_by_its_sampled_values(tmp_path):
    sweep = tmp_path / "search"
    result = search(tmp_path, "hydra.sweeper.n_trials=2", "logger=wandb")
    assert result.returncode == 0, result.stderr[-3000:]
    for trial in load_study(sweep).trials:
        run = read_offline_run(sweep / str(trial.number))
        params = trial.params
        assert run.group == "search"
        lr, entropy_coef = (float(f"{params[key]:.3g}") for key in ("algo.lr", "algo.entropy_coef"))
        assert run.name == f"a3c-lr={lr}-entropy_coef={entropy_coef}-n_steps={params['algo.n_steps']}-seed=0"


@pytest.mark.parametrize("override, expected", [
    ("train.objective=best", "error: train.objective='best' is not allowed: one of last_100, auc"),
    ("algo.lr=tag(log, interval(0, 0.01))",
     "error: algo.lr=tag(log, interval(0, 0.01)) is not a search space Optuna takes: `low > 0` must hold for `log=True`"),
])
def test_a_bad_setting_or_search_space_is_one_line_and_no_trial(tmp_path, override, expected):
    result = search(tmp_path, override)
    assert result.returncode == 2
    assert result.stderr.startswith(expected) and len(result.stderr.splitlines()) == 1, result.stderr
    assert not (tmp_path / "search" / "optuna.journal").exists()


def test_a_value_no_run_takes_in_the_search_space_is_refused_before_any_trial(tmp_path):
    result = search(tmp_path, "algo.n_steps=choice(-1, 5)")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: algo.n_steps=-1 is not allowed: an integer >= 0 (0 = whole episode) "
        "(from the search space algo.n_steps=choice(-1, 5))",
        "no trial of the search was started",
    ]
    # Nor is the study recorded: its settings would then refuse the corrected command.
    assert not (tmp_path / "search" / "optuna.journal").exists()


def test_a_bad_objective_stops_a_single_run_too(tmp_path):
    result = run_cli("train.objective=best", "logger=off", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: train.objective='best' is not allowed: one of last_100, auc"


def test_failed_jobs_are_failed_trials_and_the_search_lists_them(tmp_path):
    sweep = tmp_path / "search"
    # A checkpoint to resume that is not there fails each job once it runs, after the preflight.
    result = search(tmp_path, "hydra.sweeper.n_trials=2", f"train.resume={tmp_path / 'nothing'}")
    assert result.returncode == 1
    assert "error: 2 jobs failed:" in result.stderr and "Traceback" not in result.stderr
    assert [t.state for t in load_study(sweep).trials] == [FAIL] * 2
    assert sorted(path.parent.name for path in sweep.glob("*/failed.txt")) == ["0", "1"]
    assert not (sweep / "optimization_results.yaml").exists()


def test_a_trial_that_finished_no_episode_is_a_failed_trial_listed_with_why(tmp_path):
    sweep = tmp_path / "search"
    result = search(tmp_path, "hydra.sweeper.n_trials=2", "train.total_steps=6")  # no CartPole episode ends in 6 steps
    assert result.returncode == 1, result.stderr[-3000:]
    assert [t.state for t in load_study(sweep).trials] == [FAIL] * 2
    assert "sweep: 0 finished, 2 failed" in result.stderr and "error: 2 jobs failed:" in result.stderr
    assert f"{sweep / '0'}: no episode finished, so the search has no return for this trial" in result.stderr
    assert "warning: trial 1 failed: no episode finished" in result.stderr


def test_the_best_trial_is_said_on_the_console(tmp_path):
    result = search(tmp_path, "hydra.sweeper.n_trials=1")
    assert result.returncode == 0, result.stderr[-3000:]
    best = load_study(tmp_path / "search").best_trial
    assert f"best trial 0: {best.params} = {best.value}" in result.stderr


@pytest.mark.parametrize("study", ["search", "learning_rate"])
def test_a_search_presets_sweep_directory_is_its_studys_so_the_same_command_continues_it(tmp_path, study):
    result = run_cli(f"experiment={study}", "--cfg", "hydra", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    sweep = result.stdout.split("\n  sweep:\n", 1)[1]
    assert sweep.startswith("    dir: multirun/${hydra.sweeper.study_name}\n"), sweep[:200]
