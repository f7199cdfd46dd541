"""Why a run stops before its budget. Ctrl-C and SIGTERM (StopRequest): the first finishes the
update in hand, checkpoints and exits; the second exits at once. A failure (RunFailed)."""
from __future__ import annotations

import signal

# How a run that trains to its end says so in summary.json's stop_reason (a3c-report reads them):
BUDGET_REACHED = "step budget reached"
SOLVED = "solved"  # the start of "solved: mean return of the last 100 episodes >= <target>"
WORKERS_FINISHED = "workers finished"  # Hogwild: every worker ran out of steps on its own
COMPLETED = (BUDGET_REACHED, SOLVED, WORKERS_FINISHED)


class StopRequest:
    def __init__(self):
        self.requested = False
        self._previous: dict = {}

    def __enter__(self) -> "StopRequest":
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous[signum] = signal.signal(signum, self._handle)
            except ValueError:  # not the main thread (some launchers): leave signals alone
                pass
        return self

    def __exit__(self, *exc) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True


class RunFailed(RuntimeError):
    """The run cannot go on: a worker died, too many updates were not finite, or the run
    directory cannot be written."""
