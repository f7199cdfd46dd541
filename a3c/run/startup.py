"""How long a run takes to start: named moments, in seconds since the job began.

A single run begins when its process starts (what a user waits for after pressing Enter); a
job of a sweep, when the launcher hands it over (the sweep's own start-up is then part of the
sweep's overhead, which benchmarks/startup.py measures as a whole). The moments go into
summary.json as `startup`, and the first training step's into `startup_seconds`.
"""
from __future__ import annotations

import os
import time

_origin: float | None = None  # unix time at which this job began
_marks: dict[str, float] = {}


def _process_start_time() -> float:
    """Unix time at which this process started (Linux: /proc); now, where that cannot be read."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            started_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])  # field 22, starttime
        with open("/proc/uptime", encoding="ascii") as uptime:
            uptime_seconds = float(uptime.read().split()[0])
        return time.time() - uptime_seconds + started_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.time()


def begin_job(single_run: bool) -> None:
    """A single run counts from its process's start; a job of a sweep from now."""
    global _origin
    _origin = _process_start_time() if single_run else time.time()
    _marks.clear()


def mark(moment: str, at: float | None = None) -> None:
    """Note a moment, keeping its earliest occurrence; `at` is a unix time (one a worker sent:
    Hogwild workers report out of order), else now."""
    if _origin is None:
        return
    seconds = round((time.time() if at is None else at) - _origin, 3)
    _marks[moment] = min(seconds, _marks.get(moment, seconds))


def marks() -> dict[str, float]:
    return dict(_marks)
