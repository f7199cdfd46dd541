"""Searches with Hydra's Optuna sweeper (conf/experiment/search.yaml, a3c/cli/search.py): real
Hydra, real optuna with its sqlite storage, real training jobs with tiny budgets."""
import json
import warnings
from pathlib import Path

import pytest
import yaml

with warnings.catch_warnings():  # optuna 2.10's models would not suit SQLAlchemy 2: the lock pins 1.4
    warnings.simplefilter("ignore")
    import optuna

from conftest import run_cli
from wandb_reader import read_offline_run

TINY = ["train.total_steps=1500", "workers=serial", "logger=off"]


def search(tmp_path: Path, *overrides: str):
    return run_cli("-m", "+experiment=search", *TINY, f"hydra.sweep.dir={tmp_path / 'search'}", *overrides, cwd=tmp_path)


def load_study(sweep: Path) -> optuna.Study:
    return optuna.load_study(study_name="search-a3c-cartpole", storage=f"sqlite:///{sweep / 'optuna.db'}")


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
    assert [t.state for t in trials] == [optuna.trial.TrialState.COMPLETE] * 5
    assert [job.name for job in job_dirs(sweep)] == ["0", "1", "2", "3", "4"]
    assert {name: summary(sweep / name) for name in first_summaries} == first_summaries  # not run again
    assert len({t.params["algo.lr"] for t in trials}) == 5  # the seeded sampler did not start over
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


def test_a_trial_an_interruption_left_running_is_replaced(tmp_path):
    sweep = tmp_path / "search"
    sweep.mkdir()
    study = optuna.create_study(study_name="search-a3c-cartpole", storage=f"sqlite:///{sweep / 'optuna.db'}",
                                direction="maximize")
    study.ask()  # what a Ctrl-C leaves in the storage: a trial that never reported
    result = search(tmp_path, "hydra.sweeper.n_trials=2")
    assert result.returncode == 0, result.stderr[-3000:]
    trials = load_study(sweep).trials
    assert [(t.state, t.user_attrs.get("interrupted", False)) for t in trials] == [
        (optuna.trial.TrialState.FAIL, True),
        (optuna.trial.TrialState.COMPLETE, False),
        (optuna.trial.TrialState.COMPLETE, False),
    ]
    assert [job.name for job in job_dirs(sweep)] == ["1", "2"]


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
     "error: algo.lr=tag(log, interval(0, 0.01)) is not a search space Optuna takes: The `low` value must be larger than 0"),
])
def test_a_bad_setting_or_search_space_is_one_line_and_no_trial(tmp_path, override, expected):
    result = search(tmp_path, override)
    assert result.returncode == 2
    assert result.stderr.startswith(expected) and len(result.stderr.splitlines()) == 1, result.stderr
    assert not (tmp_path / "search" / "optuna.db").exists()


def test_a_value_no_run_takes_in_the_search_space_is_refused_before_any_trial(tmp_path):
    result = search(tmp_path, "algo.n_steps=choice(-1, 5)")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: algo.n_steps=-1 is not allowed: an integer >= 0 (0 = whole episode) "
        "(from the search space algo.n_steps=choice(-1, 5))",
        "no trial of the search was started",
    ]


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
    assert [t.state for t in load_study(sweep).trials] == [optuna.trial.TrialState.FAIL] * 2
    assert sorted(path.parent.name for path in sweep.glob("*/failed.txt")) == ["0", "1"]
    assert not (sweep / "optimization_results.yaml").exists()
