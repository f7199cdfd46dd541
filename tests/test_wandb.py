"""W&B through the real library in offline mode, read back from the files it wrote."""
import json

import pytest
import torch

from conftest import run_cli
from wandb_reader import read_offline_run

TINY = ["train.total_steps=1500", "train.log_every_updates=5", "train.progress=false", "workers=serial"]
SUMMARY_FIELDS = {"algo", "env_id", "seed", "workers_mode", "workers_count", "global_step", "wall_seconds",
                  "mean_return_last_100", "solved_at_step", "solved_at_seconds"}


def test_offline_run_holds_config_metrics_against_global_step_and_summary(tmp_path):
    run_dir = tmp_path / "run"
    result = run_cli(*TINY, "algo.n_steps=7", "logger.tags=[mine]", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    run = read_offline_run(run_dir)

    assert run.config["algo.n_steps"] == 7 and run.config["env.id"] == "CartPole-v1"
    assert run.config["workers.mode"] == "serial" and run.config["train.total_steps"] == 1500
    assert run.step_metrics["*"] == "global_step"
    logged = set().union(*(row.keys() for row in run.history))
    assert {"charts/episodic_return", "charts/episodic_length", "charts/sps",
            "losses/policy", "losses/value", "losses/entropy"} <= logged
    assert all("global_step" in row for row in run.history)
    local = json.loads((run_dir / "summary.json").read_text())
    assert SUMMARY_FIELDS <= run.summary.keys()
    assert {key: run.summary[key] for key in SUMMARY_FIELDS} == {key: local[key] for key in SUMMARY_FIELDS}
    assert (run.name, run.job_type) == ("a3c-seed=0", "a3c")
    assert set(run.tags) == {"CartPole-v1", "serial", "mine"}


def test_the_first_metrics_reach_wandb_though_it_starts_after_training(tmp_path):
    # W&B starts in a thread of its own while training begins (a3c/run/tracking.py): what the run
    # logs meanwhile waits for it, and nothing is lost or reordered.
    run_dir = tmp_path / "run"
    result = run_cli(*TINY, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    local = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    logged = [{key: value for key, value in row.items() if not key.startswith("_")}
              for row in read_offline_run(run_dir).history]
    assert len(local) > 20
    assert logged == [{key: value for key, value in row.items() if key != "wall_time"} for row in local]


def test_a_two_by_two_sweep_shares_one_group_with_names_from_what_varies(tmp_path):
    sweep = tmp_path / "sweep"
    result = run_cli("-m", *TINY, "algo.entropy_coef=0,0.01", "train.seed=0,1", "algo.gamma=0.98",
                     f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    runs = [read_offline_run(job) for job in sorted(p for p in sweep.iterdir() if p.is_dir())]
    assert len(runs) == 4
    assert {run.group for run in runs} == {"sweep"}
    assert sorted(run.name for run in runs) == [
        "a3c-entropy_coef=0-seed=0", "a3c-entropy_coef=0-seed=1",
        "a3c-entropy_coef=0.01-seed=0", "a3c-entropy_coef=0.01-seed=1",
    ]
    assert len({run.run_id for run in runs}) == 4


def test_a_sweep_preset_names_runs_by_its_sweeper_params(tmp_path):
    sweep = tmp_path / "entropy"
    # Command-line values replace the preset's for the same key: 2 jobs instead of 15.
    result = run_cli("-m", "+experiment=entropy", *TINY, "train.seed=0", "algo.entropy_coef=0,0.01",
                     f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    names = sorted(read_offline_run(job).name for job in sweep.iterdir() if job.is_dir())
    assert names == ["a3c-entropy_coef=0-seed=0", "a3c-entropy_coef=0.01-seed=0"]


def test_when_wandb_cannot_start_the_run_goes_on_with_local_files(tmp_path):
    run_dir = tmp_path / "run"
    # A project name W&B rejects at start (it may not contain '/'): warn once, finish anyway.
    result = run_cli(*TINY, "logger.project=bad/project", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr.count("W&B could not start") == 1
    assert json.loads((run_dir / "summary.json").read_text())["global_step"] >= 1500
    assert (run_dir / "metrics.jsonl").stat().st_size > 0


def test_the_joblib_launcher_runs_hogwild_jobs_in_parallel_processes(tmp_path):
    sweep = tmp_path / "parallel"
    result = run_cli("-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "workers=hogwild",
                     "train.total_steps=1500", "train.progress=false", "train.seed=0,1",
                     f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    runs = [read_offline_run(job) for job in sorted(p for p in sweep.iterdir() if p.is_dir())]
    assert sorted(run.name for run in runs) == ["a3c-seed=0", "a3c-seed=1"]
    assert {run.group for run in runs} == {"parallel"}


@pytest.mark.parametrize("mode", ["serial", "hogwild"])
def test_a_finished_run_run_again_trains_no_more_adds_no_wandb_run_and_keeps_its_id(tmp_path, mode):
    # A sweep run again into its directory resumes every job; the finished ones stop at once.
    run_dir = tmp_path / "run"
    args = [*TINY[:-1], f"workers={mode}", "train.target_return=null", f"hydra.run.dir={run_dir}"]
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    curve = (run_dir / "metrics.jsonl").read_bytes()
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 0 and "resuming from" in result.stderr, result.stderr[-3000:]
    assert (run_dir / "metrics.jsonl").read_bytes() == curve  # not one update more
    run = read_offline_run(run_dir)  # one W&B run, not a second with the same curve
    assert torch.load(run_dir / "checkpoint.pt", weights_only=False)["wandb_run_id"] == run.run_id
