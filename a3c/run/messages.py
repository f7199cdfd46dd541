"""What the worker and evaluator processes tell the parent, the only three kinds of message on
the queue: a Report every few updates (never per step: queues are slow), an Evaluation, and
ProcessFailed when a process dies."""
from __future__ import annotations

import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field

from a3c.learn.learner import UpdateResult


@dataclass
class Report:
    """What a worker tells the parent every few updates (never per step: queues are slow)."""

    worker: int
    global_step: int
    updates: int = 0  # applied updates; their loss sums are below
    bad_updates: int = 0  # skipped for a NaN or inf
    episodes: list = field(default_factory=list)  # (global_step, return, length)
    loss_sums: dict = field(default_factory=lambda: {"policy": 0.0, "value": 0.0, "entropy": 0.0})
    first_step_at: float | None = None  # unix time of its first update's first env step
    inactive_units: float | None = None  # the latest probe among its updates (a3c/agent/probes.py)

    def add(self, global_step: int, result: UpdateResult) -> None:
        self.global_step = global_step
        self.first_step_at = self.first_step_at or result.started_at
        self.episodes += [(global_step, ret, length) for _, ret, length in result.finished_episodes]
        if result.inactive_units is not None:
            self.inactive_units = result.inactive_units
        if result.skipped:
            self.bad_updates += 1
            return
        self.updates += 1
        for name in self.loss_sums:
            self.loss_sums[name] += getattr(result.losses, name).item()

    def merge(self, later: "Report") -> None:
        self.global_step = max(self.global_step, later.global_step)
        self.updates += later.updates
        self.bad_updates += later.bad_updates
        self.episodes += later.episodes
        if later.inactive_units is not None:
            self.inactive_units = later.inactive_units
        for name in self.loss_sums:
            self.loss_sums[name] += later.loss_sums[name]

    def loss_means(self) -> dict:
        return {name: total / max(self.updates, 1) for name, total in self.loss_sums.items()}


@dataclass
class Evaluation:
    """One periodic evaluation of the shared model, played at global_step."""

    global_step: int
    values: dict  # eval/mean_return, eval/std_return


@dataclass
class ProcessFailed:
    process: str  # worker-<i> or evaluator
    error: str  # one line: the exception's type and message
    trace: str


@contextmanager
def failures_reported(queue, process: str):
    """The body of a child process: whatever it raises goes up the queue, then the process
    exits 1; the parent must hear about every death."""
    try:
        yield
    except BaseException as err:  # noqa: BLE001
        queue.put(ProcessFailed(process, f"{type(err).__name__}: {err}", traceback.format_exc()))
        raise SystemExit(1) from err
