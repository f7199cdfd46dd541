"""Hogwild workers that stop making updates: an env that hangs, a deadlock, a worker stopped by a
signal. Unwatched, such a run goes on without the worker, or, all of them stuck, waits out
train.max_minutes (a day for the Atari preset) and then reports success."""
from __future__ import annotations

import time
from typing import Callable, Sequence

# A gap this long between two looks means the whole run was held up, not a worker: Ctrl-Z, a
# suspended machine, the parent writing a large checkpoint. The gap does not count as a stall.
PAUSE_SECONDS = 5.0


class StallWatch:
    """Watches each worker's count of finished updates (shared memory the workers write)."""

    def __init__(self, updates: Sequence[int], limit_seconds: float, clock: Callable[[], float] = time.monotonic):
        self._updates, self._limit, self._clock = updates, limit_seconds, clock
        now = clock()
        self._seen = list(updates)
        self._since = [now] * len(self._seen)
        self._last_look = now

    def stalled(self, running: Sequence[bool]) -> tuple[int, float] | None:
        """The index of the first running worker without an update for longer than the limit,
        and for how many seconds; None when every running worker is making updates (or the
        limit is 0: never)."""
        now = self._clock()
        if (gap := now - self._last_look) > PAUSE_SECONDS:
            self._since = [since + gap for since in self._since]
        self._last_look = now
        for i, count in enumerate(self._updates):
            if count != self._seen[i]:
                self._seen[i], self._since[i] = count, now
            elif self._limit and running[i] and now - self._since[i] > self._limit:
                return i, now - self._since[i]
        return None
