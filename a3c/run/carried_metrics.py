"""What a run does with a metrics.jsonl already in its directory: a resumed run goes on from the
curve its checkpoint recorded, and a run starting over sets a dead attempt's curve aside, so
that no episode is counted twice and no curve continues another."""
from __future__ import annotations

import sys
from pathlib import Path

from a3c.run.recorder import METRICS_NAME

UNFINISHED_METRICS_NAME = "metrics.unfinished.jsonl"  # a killed run's curve, with no checkpoint to go on from


def keep_metrics_of_checkpoint(source: Path, target: Path, size: int | None) -> None:
    """Make `target` the metrics.jsonl a resumed run goes on from: the first `size` bytes of the
    checkpoint's run's `source` (all of it for a checkpoint that does not say), so that the
    lines written after an older checkpoint (a run killed, then resumed from its last periodic
    one) are not counted twice. `target` may be `source` itself (resuming in place)."""
    if not target.exists():
        if source.exists():
            with open(source, "rb") as old, open(target, "wb") as new:
                new.write(old.read() if size is None else old.read(size))
    elif size is not None and target.stat().st_size > size:
        with open(target, "rb+") as file:
            file.truncate(size)


def set_aside_unfinished_metrics(run_dir: Path) -> None:
    """A run starting at step 0 where metrics.jsonl is already (a run killed before its first
    checkpoint, run again): its curve would continue the dead one's, so that one is moved aside."""
    metrics = run_dir / METRICS_NAME
    if metrics.exists():
        metrics.replace(run_dir / UNFINISHED_METRICS_NAME)
        print(f"{metrics} of a run with no checkpoint moved to {UNFINISHED_METRICS_NAME}; this run starts at step 0",
              file=sys.stderr)
