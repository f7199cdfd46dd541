"""The window "solved" is checked on: the latest episodes by global_step, in any arrival order."""
from __future__ import annotations

import heapq


class LatestEpisodes:
    """The `size` latest episodes by global_step, whatever order they arrive in: Hogwild workers
    report in batches, so a worker's episodes can arrive after later-numbered ones of another.
    An episode older than all of a full window's is not part of "the last 100" and is dropped.

    "Solved" is checked as episodes arrive, on this window; an episode that arrives after the
    run has solved (a straggler of the final drain) changes the window and summary.json's
    mean_return_last_100, never solved_at_step, which stays the first step the window met the
    target. Ties in step keep arrival order.
    """

    def __init__(self, size: int):
        self.size = size
        self._heap: list[tuple[int, int, float]] = []  # (step, arrival, return), oldest first
        self._arrivals = 0

    def add(self, step: int, episode_return: float) -> None:
        item = (step, self._arrivals, episode_return)
        self._arrivals += 1
        if len(self._heap) < self.size:
            heapq.heappush(self._heap, item)
        elif item > self._heap[0]:
            heapq.heapreplace(self._heap, item)

    def __len__(self) -> int:
        return len(self._heap)

    def mean(self) -> float | None:
        return sum(ret for _, _, ret in self._heap) / len(self._heap) if self._heap else None

    def steps(self) -> list[int]:
        return [step for step, _, _ in sorted(self._heap)]

    def returns(self) -> list[float]:
        return [ret for _, _, ret in sorted(self._heap)]
