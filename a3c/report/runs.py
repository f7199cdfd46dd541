"""Run directories read back: each run's config, summary, curve and a3c-eval's record of its
final policy, and the lineage of resumed runs counted once."""
from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from a3c.config.schema import saved_settings
from a3c.report.run_files import json_rows, read_mapping

# What a report measures: "train", the returns of training episodes (the final score is the
# mean of the last 100); "eval", the greedy evaluations of train.eval_every_steps (the final
# score is a3c-eval's eval.json where there is one, else the run's last evaluation).
METRICS = ("train", "eval")

FINAL_POLICY_FILES = ("policy.pt", "checkpoint.pt")  # what a3c-eval of a run directory plays (cli/eval.py)


@dataclass
class Run:
    path: Path
    config: dict  # flattened, every schema key: {"algo.n_steps": 5, ...}
    summary: dict
    curve_steps: np.ndarray  # global_step of each finished episode (of each evaluation, metric eval)
    curve_returns: np.ndarray  # its return (mean return)
    final_eval: float | None = None  # a3c-eval's mean return of the final policy, greedy (final_policy_evaluation)
    metric: str = "train"
    final_eval_episodes: int | None = None  # how many episodes that evaluation played

    @property
    def final(self) -> float | None:
        if self.metric == "train":  # the 100 latest episodes by step, as the curve ends
            if len(self.curve_returns):
                return float(self.curve_returns[-100:].mean())
            return self.summary["mean_return_last_100"]
        return self.final_eval if self.final_eval is not None else self.summary.get("eval_last_mean_return")

    @property
    def final_source(self) -> str | None:
        """Which numbers `final` is, said in the table (metric eval reads two kinds of evaluation)."""
        if self.metric == "train":
            episodes = len(self.curve_returns)
            return "last 100 training episodes" if episodes >= 100 or not episodes else f"all {episodes} training episodes"
        if self.final_eval is not None:
            return "a3c-eval of the final policy" + _episodes(self.final_eval_episodes)
        if self.summary.get("eval_last_mean_return") is not None:
            return "last periodic evaluation" + _episodes(self.config.get("train.eval_episodes"))
        return None

    @property
    def origin(self) -> Path | None:
        """The run directory this run was resumed from, whose whole curve it holds, or None.
        summary.json names it since the lineage check; older runs have only train.resume,
        relative to where they were started (Hydra's record says where that was)."""
        source = self.summary.get("resumed_from") or self.config.get("train.resume")
        if not source:
            return None
        path = Path(self.hydra_runtime.get("cwd", "."), source)  # an absolute source stays as it is
        path = (path.parent if path.suffix == ".pt" else path).resolve()
        return None if path == self.path.resolve() else path  # a requeued job resumes itself

    def origin_here(self) -> Path | None:
        """The origin where it is now: moved or copied with this run, it sits where it sat
        beside it. Where this run was is summary.json's run_dir, or for a run older than that
        field, the output_dir of Hydra's record."""
        origin = self.origin
        then = self.summary.get("run_dir") or self.hydra_runtime.get("output_dir")
        if origin is None or then is None:
            return origin
        return (self.path / os.path.relpath(origin, Path(then).resolve())).resolve()  # Hydra's is not resolved

    @functools.cached_property
    def hydra_runtime(self) -> dict:
        """Where Hydra ran this run (output_dir) and from where (cwd); {} without a readable record."""
        try:
            return yaml.safe_load((self.path / ".hydra" / "hydra.yaml").read_text())["hydra"]["runtime"]
        except (OSError, yaml.YAMLError, KeyError, TypeError):
            return {}

    @property
    def curve_window(self) -> int:
        """Points averaged into each curve value: 100 episodes, or one evaluation (itself a mean)."""
        return 100 if self.metric == "train" else 1


RUN_FILES = ("summary.json", "config.yaml", "metrics.jsonl")  # what a run directory needs to be read


def find_run_dirs(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        found += [p.parent for p in sorted(path.rglob("summary.json"))] if path.is_dir() else []
    return sorted(set(found), key=_natural_key)


def _natural_key(path: Path) -> list:
    """Hydra numbers sweep jobs 0, 1, ..., 10: sort them as numbers, not as text (and before
    named folders beside them)."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in path.parts]


def load_run(run_dir: Path, metric: str = "train") -> Run:
    """Raises UnreadableRun where a file of the run does not parse."""
    summary = read_mapping(run_dir / "summary.json")
    config = saved_settings(read_mapping(run_dir / "config.yaml"))  # an older run's missing keys: defaults
    key = "charts/episodic_return" if metric == "train" else "eval/mean_return"
    steps, returns = [], []
    for row in json_rows(run_dir / "metrics.jsonl"):
        if key in row:
            steps.append(row["global_step"])
            returns.append(row[key])
    # Hogwild workers report in batches, so lines arrive a little out of step order.
    order = np.argsort(np.asarray(steps, dtype=float), kind="stable")
    final_eval = final_policy_evaluation(run_dir, summary.get("global_step"))
    return Run(run_dir, config, summary, np.asarray(steps, dtype=float)[order], np.asarray(returns, dtype=float)[order],
               final_eval and final_eval["mean_return"], metric, final_eval and final_eval.get("episodes"))


def final_policy_evaluation(run_dir: Path, global_step: int | None) -> dict | None:
    """The latest a3c-eval record of the run's final policy (policy.pt, or checkpoint.pt for runs
    older than policy files) at the run's last `global_step`, greedy, with the run's own env
    settings: evals.jsonl's, else an older run's single eval.json when it is one of those.
    Sampled or env-changed evaluations, best_policy.pt's, and those of a policy the run has
    since trained on from (continued in place) never stand for the final policy."""
    records = []
    if (run_dir / "evals.jsonl").exists():
        records = list(json_rows(run_dir / "evals.jsonl"))
    elif (run_dir / "eval.json").exists():
        records = [read_mapping(run_dir / "eval.json")]
    final = [r for r in records if Path(r.get("policy", "policy.pt")).name in FINAL_POLICY_FILES
             and r.get("greedy", True) and not r.get("env_overrides") and global_step in (None, r.get("global_step", global_step))]
    return final[-1] if final else None


def count_lineages_once(runs: list[Run]) -> list[Run]:
    """A resumed run starts with its origin's metrics (run/train.py copies them), so the two are
    one run: keep the latest of each lineage, and say so. The origin is looked for where it was
    and where it would be now that the runs were moved together."""
    copies = {origin: run for run in runs for origin in (run.origin, run.origin_here()) if origin is not None}
    kept = []
    for run in runs:
        copy = copies.get(run.path.resolve())
        if copy is None or copy is run:  # a requeued job resumes itself
            kept.append(run)
        else:
            print(f"note: {run.path} was resumed as {copy.path}: counted once, as the latter (--keep-origins counts both)",
                  file=sys.stderr)
    return kept


def _episodes(count: int | None) -> str:
    return f", {count} episodes" if count else ""  # records older than the count say nothing
