"""Every variant x worker mode trains a tiny budget end to end through the real CLI."""
import json
from pathlib import Path

import torch
import yaml
from conftest import run_cli

SUMMARY_FIELDS = {
    "algo", "env_id", "seed", "workers_mode", "workers_count", "global_step", "wall_seconds",
    "mean_return_last_100", "solved_at_step", "solved_at_seconds",
}
METRIC_NAMES = {
    "charts/episodic_return", "charts/episodic_length", "charts/sps",
    "losses/policy", "losses/value", "losses/entropy",
}


def read_run(run_dir):
    summary = json.loads((run_dir / "summary.json").read_text())
    lines = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    checkpoint = torch.load(run_dir / "checkpoint.pt", weights_only=False)
    return summary, lines, config, checkpoint


def test_every_algo_and_worker_mode_trains_and_writes_its_files(tmp_path):
    sweep = tmp_path / "sweep"
    result = run_cli(
        "-m", "algo=reinforce,ac_q,ac_baseline,a2c,a3c", "workers=serial,hogwild,sync",
        "train.total_steps=600", "train.log_every_updates=5", "train.progress=false", "logger=off",
        f"hydra.sweep.dir={sweep}", cwd=tmp_path, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    run_dirs = sorted(p for p in sweep.iterdir() if (p / "summary.json").exists())
    assert len(run_dirs) == 15
    seen = set()
    for run_dir in run_dirs:
        summary, lines, config, checkpoint = read_run(run_dir)
        assert SUMMARY_FIELDS <= summary.keys()
        assert summary["global_step"] >= 600
        assert summary["solved_at_step"] is None  # 600 steps solve nothing
        assert (summary["algo"], summary["workers_mode"]) == (config["algo"]["name"], config["workers"]["mode"])
        names = set().union(*(line.keys() for line in lines))
        assert METRIC_NAMES <= names, run_dir
        assert all("global_step" in line and "wall_time" in line for line in lines)
        assert checkpoint["global_step"] == summary["global_step"]
        seen.add((summary["algo"], summary["workers_mode"]))
    assert len(seen) == 15


def test_default_run_logs_to_wandb_offline_inside_the_run_dir(tmp_path):
    run_dir = tmp_path / "run"
    result = run_cli("train.total_steps=2000", "train.progress=false", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    summary, _, config, _ = read_run(run_dir)
    assert (summary["algo"], summary["workers_mode"], summary["workers_count"]) == ("a3c", "hogwild", 2)
    assert config["logger"]["mode"] == "offline"
    assert list((run_dir / "wandb").glob("offline-run-*/run-*.wandb"))
    assert f"results: {run_dir}" in result.stdout
    # Its start-up, moment by moment, from the process's start to the first env step (no
    # bound on the seconds: speed belongs in benchmarks/startup.py).
    moments = ["config_composed", "config_validated", "torch_loaded", "global_model_built", "first_step"]
    seconds = [summary["startup"][moment] for moment in moments]
    assert 0 < seconds[0] and seconds == sorted(seconds) and summary["startup_seconds"] == seconds[-1]
    # worker 0 may take its first step before worker 1 has been started
    assert summary["startup"]["global_model_built"] <= summary["startup"]["workers_started"]


def test_the_closing_line_rounds_the_return_and_says_when_no_episode_finished():
    from a3c.cli.train import closing_line

    run_dir = Path("outputs/run")
    assert closing_line(run_dir, {"mean_return_last_100": 39.183333, "episodes": 250}) == \
        "results: outputs/run (mean return of the last 100 episodes: 39.2)"
    assert closing_line(run_dir, {"mean_return_last_100": -20.456, "episodes": 7}) == \
        "results: outputs/run (mean return of its 7 episodes: -20.5)"
    assert closing_line(run_dir, {"mean_return_last_100": None, "episodes": 0}) == "results: outputs/run (no episode finished)"


def test_a_run_made_in_code_writes_the_run_directory_the_cli_does(tmp_path):
    from conftest import make_config

    from a3c.report.runs import load_run
    from a3c.run import train

    cfg = make_config("workers=serial", "logger=off", "train.progress=false", "train.total_steps=2000", "train.seed=3")
    train.run(cfg, tmp_path)
    summary, lines, config, checkpoint = read_run(tmp_path)
    assert config["train"]["seed"] == 3 and config["train"]["total_steps"] == 2000
    assert (tmp_path / "policy.pt").exists() and lines
    run = load_run(tmp_path)  # a3c-report reads it as it reads a CLI run
    assert run.config["train.seed"] == 3 and run.final == summary["mean_return_last_100"]
