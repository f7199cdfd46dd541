"""The run's clock: seconds of training, which an in-process evaluation does not count."""
from __future__ import annotations

import time
from contextlib import contextmanager


class TrainingClock:
    """Serial and sync runs stop training while they evaluate, Hogwild's evaluator plays beside
    the workers: paused for the former, the clock means the same for both (SPS, time to
    solve, train.max_minutes). A resumed run goes on from its checkpoint's seconds."""

    def __init__(self, seconds: float = 0.0, eval_seconds: float = 0.0):
        self._start = time.monotonic() - seconds
        self.eval_seconds = eval_seconds  # paused: those of in-process evaluations

    @property
    def seconds(self) -> float:
        return time.monotonic() - self._start

    @contextmanager
    def paused(self):
        paused_at = time.monotonic()
        try:
            yield
        finally:
            seconds = time.monotonic() - paused_at
            self._start += seconds
            self.eval_seconds += seconds
