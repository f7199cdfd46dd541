"""The parent's bookkeeping: metrics.jsonl, the solved check, the progress bar, summary.json.

Metric names are an interface (README, W&B panels, a3c-report); they are fixed here.
"""
from __future__ import annotations

import json
from pathlib import Path

from tqdm import tqdm

from a3c.agent.probes import INACTIVE_UNITS
from a3c.config.schema import Config
from a3c.run import startup
from a3c.run.latest_episodes import LatestEpisodes
from a3c.run.messages import Report
from a3c.run.stopping import BUDGET_REACHED, SOLVED
from a3c.run.training_clock import TrainingClock

METRICS_NAME = "metrics.jsonl"
EPISODIC_RETURN = "charts/episodic_return"
EPISODIC_LENGTH = "charts/episodic_length"
SPS = "charts/sps"
# "Solved" as gymnasium and the RL Zoo define it: the mean return of the last 100 episodes.
SOLVE_WINDOW = 100
EVAL_MEAN_RETURN = "eval/mean_return"  # greedy episodes of the global model (train.eval_every_steps)
EVAL_STD_RETURN = "eval/std_return"
LOSS_NAMES = {"policy": "losses/policy", "value": "losses/value", "entropy": "losses/entropy"}


class RunRecorder:
    def __init__(self, run_dir: Path, cfg: Config, tracker):
        self.cfg = cfg
        self.tracker = tracker
        self.clock = TrainingClock()
        self.global_step = 0
        self.episodes = 0
        self.bad_updates = 0  # skipped for a NaN or inf loss or gradient
        self.window = LatestEpisodes(SOLVE_WINDOW)
        self.solved_at_step: int | None = None
        self.solved_at_seconds: float | None = None
        self.eval_last: dict | None = None  # {"global_step", "mean_return"} of periodic evaluation
        self.eval_best: dict | None = None
        self._loss_reports: dict[int, Report] = {}  # per worker, until log_every_updates is reached
        self.metrics_path = run_dir / METRICS_NAME
        self.metrics_file = open(self.metrics_path, "a", encoding="utf-8")
        self.progress = tqdm(
            total=cfg.train.total_steps, unit="step", unit_scale=True, dynamic_ncols=True,
            disable=not cfg.train.progress, desc=f"{cfg.algo.name} {cfg.env.id}",
        )

    def state(self) -> dict:
        if not self.metrics_file.closed:  # the final checkpoint comes after close()
            self.metrics_file.flush()
        return {"global_step": self.global_step, "episodes": self.episodes, "bad_updates": self.bad_updates,
                "metrics_bytes": self.metrics_path.stat().st_size,  # metrics.jsonl at this state
                "recent_returns": self.window.returns(), "recent_steps": self.window.steps(), "solved_at_step": self.solved_at_step,
                "solved_at_seconds": self.solved_at_seconds, "wall_seconds": self.wall_seconds,
                "eval_seconds": self.clock.eval_seconds, "eval_last": self.eval_last, "eval_best": self.eval_best}

    def restore(self, state: dict, saved_target: float | None) -> None:
        """Go on from a checkpoint: counters, the solved window, and the clock. A run resumed
        with another train.target_return than saved_target, its checkpoint's, has "solved"
        found again on its curve so far."""
        self.global_step, self.episodes, self.bad_updates = state["global_step"], state["episodes"], state["bad_updates"]
        for step, episode_return in zip(state["recent_steps"], state["recent_returns"]):
            self.window.add(step, episode_return)
        self.solved_at_step, self.solved_at_seconds = state["solved_at_step"], state["solved_at_seconds"]
        if saved_target != self.cfg.train.target_return:
            self.solved_at_step, self.solved_at_seconds = first_solved(self.metrics_path, self.cfg.train.target_return)
        self.clock = TrainingClock(state["wall_seconds"], state.get("eval_seconds", 0.0))  # older checkpoints: no eval_seconds
        self.eval_last, self.eval_best = state.get("eval_last"), state.get("eval_best")  # older checkpoints: none
        self.progress.update(self.global_step)

    @property
    def wall_seconds(self) -> float:
        """Seconds of training since the run's first start (a3c/run/training_clock.py)."""
        return self.clock.seconds

    def mean_recent_return(self) -> float | None:
        return self.window.mean()

    def record(self, report: Report) -> None:
        """Episodes and steps count at once; loss means go out every log_every_updates."""
        if report.first_step_at is not None:
            startup.mark("first_step", at=report.first_step_at)
        for step, episode_return, length in report.episodes:
            self._episode(step, episode_return, length)
        self.bad_updates += report.bad_updates
        if report.global_step > self.global_step:
            self.progress.update(report.global_step - self.global_step)
            self.global_step = report.global_step
        pending = self._loss_reports.setdefault(report.worker, Report(report.worker, 0))
        pending.merge(report)
        if pending.updates >= self.cfg.train.log_every_updates:
            self._write_losses(self._loss_reports.pop(report.worker))

    def record_eval(self, step: int, values: dict) -> None:
        """One periodic evaluation: eval/mean_return and eval/std_return at the step it played."""
        self._write(step, values)
        self.eval_last = {"global_step": step, "mean_return": values[EVAL_MEAN_RETURN]}
        if self.eval_best is None or self.eval_last["mean_return"] > self.eval_best["mean_return"]:
            self.eval_best = self.eval_last

    def _write_losses(self, report: Report) -> None:
        sps = self.global_step / max(self.wall_seconds, 1e-9)
        losses = {LOSS_NAMES[name]: value for name, value in report.loss_means().items()}
        probes = {INACTIVE_UNITS: report.inactive_units} if report.inactive_units is not None else {}
        self._write(report.global_step, {**losses, **probes, SPS: sps})
        mean = self.mean_recent_return()
        self.progress.set_postfix(sps=f"{sps:,.0f}", ret=f"{mean:.1f}" if mean is not None else "-", refresh=False)

    def _episode(self, step: int, episode_return: float, length: int) -> None:
        self.episodes += 1
        self.window.add(step, episode_return)
        self._write(step, {EPISODIC_RETURN: episode_return, EPISODIC_LENGTH: length})
        if self.solved_at_step is None and target_reached(self.window, self.cfg.train.target_return):
            self.solved_at_step, self.solved_at_seconds = max(self.window.steps()), round(self.wall_seconds, 3)

    def failure(self) -> str | None:
        """Why the run cannot go on, or None."""
        limit = self.cfg.train.max_bad_updates
        if self.bad_updates > limit:
            return (f"{self.bad_updates} updates had a NaN or inf loss or gradient and were skipped "
                    f"(train.max_bad_updates={limit}); lower algo.lr or check the environment's rewards")
        return None

    def should_stop(self) -> str | None:
        """Why the run should end now, or None."""
        if self.global_step >= self.cfg.train.total_steps:
            return BUDGET_REACHED
        if self.wall_seconds >= self.cfg.train.max_minutes * 60:
            return "time budget reached"
        if self.solved_at_step is not None and self.cfg.train.stop_at_target:
            return f"{SOLVED}: mean return of the last {SOLVE_WINDOW} episodes >= {self.cfg.train.target_return}"
        return None

    def _write(self, step: int, values: dict) -> None:
        line = {"global_step": step, "wall_time": round(self.wall_seconds, 3), **values}
        self.metrics_file.write(json.dumps(line) + "\n")
        self.tracker.log(values, step)

    def summary(self, stop_reason: str) -> dict:
        cfg, mean = self.cfg, self.mean_recent_return()
        return {
            "algo": cfg.algo.name,
            "env_id": cfg.env.id,
            "seed": cfg.train.seed,
            "workers_mode": cfg.workers.mode,
            "workers_count": cfg.workers.count,
            "envs_per_worker": cfg.workers.envs_per_worker,
            "global_step": self.global_step,
            "episodes": self.episodes,
            "bad_updates": self.bad_updates,
            "wall_seconds": round(self.wall_seconds, 3),
            "eval_seconds": round(self.clock.eval_seconds, 3),
            "sps": round(self.global_step / max(self.wall_seconds, 1e-9), 1),
            "mean_return_last_100": mean,
            "target_return": cfg.train.target_return,
            "solved_at_step": self.solved_at_step,
            "solved_at_seconds": self.solved_at_seconds,
            "stop_reason": stop_reason,
            "eval_last_mean_return": self.eval_last["mean_return"] if self.eval_last else None,
            "eval_best_mean_return": self.eval_best["mean_return"] if self.eval_best else None,
            "eval_best_at_step": self.eval_best["global_step"] if self.eval_best else None,
            # seconds from the start of the job to its first env step (a3c/run/startup.py), and the
            # moments on the way there
            "startup_seconds": startup.marks().get("first_step"),
            "startup": startup.marks(),
        }

    def close(self) -> None:
        for report in self._loss_reports.values():
            if report.updates:
                self._write_losses(report)
        self._loss_reports.clear()
        self.progress.close()
        self.metrics_file.close()


def target_reached(window: LatestEpisodes, target: float | None) -> bool:
    return target is not None and len(window) == SOLVE_WINDOW and window.mean() >= target


def first_solved(metrics: Path, target: float | None) -> tuple[int | None, float | None]:
    """solved_at_step and solved_at_seconds of a recorded curve for `target`: its episodes
    replayed in the order they were recorded, by the rule a run applies as they arrive."""
    window = LatestEpisodes(SOLVE_WINDOW)
    with open(metrics, encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if EPISODIC_RETURN in row:
                window.add(row["global_step"], row[EPISODIC_RETURN])
                if target_reached(window, target):
                    return max(window.steps()), row["wall_time"]
    return None, None

