"""What a worker tells the parent: a Report every few updates (never per step: queues are slow)."""
from __future__ import annotations

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
