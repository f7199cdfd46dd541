"""What a run does with a metrics.jsonl already in its directory: a resumed run goes on from the
curve its checkpoint recorded, and a run starting over sets a dead attempt's curve aside, so
that no episode is counted twice and no curve continues another. A run resumed into a new
directory also takes the best policy its checkpoint's summary names."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from a3c.run.policy_file import BEST_POLICY_NAME, PolicyFileError, load_policy
from a3c.run.recorder import METRICS_NAME

UNFINISHED_METRICS_NAME = "metrics.unfinished.jsonl"  # a killed run's curve, with no checkpoint to go on from
UNFINISHED_BEST_POLICY_NAME = "best_policy.unfinished.pt"  # a best policy found after the checkpoint resumed from


def keep_metrics_of_checkpoint(source: Path, target: Path, size: int | None) -> None:
    """Make `target` the metrics.jsonl a resumed run goes on from: the first `size` bytes of the
    checkpoint's run's `source` (all of it for a checkpoint written before sizes were kept), so
    that the lines written after an older checkpoint (a run killed, then resumed from its last
    periodic one) are not counted twice. `target` may be `source` itself (resuming in place); a
    `target` holding another curve (a run killed before its first checkpoint) is set aside."""
    if not source.exists():
        return
    kept = source.read_bytes()
    # Without a size, whole lines: a kill mid-write leaves half a line, which the next would continue.
    kept = kept[:kept.rfind(b"\n") + 1] if size is None else kept[:size]
    if target.exists():
        current = target.read_bytes()
        if current.startswith(kept):  # this curve, and perhaps lines written after the checkpoint
            if len(current) > len(kept):
                target.write_bytes(kept)
            return
        set_aside_unfinished_metrics(target.parent)
    target.write_bytes(kept)


def set_aside_unfinished_metrics(run_dir: Path) -> None:
    """A run starting at step 0 where metrics.jsonl is already (a run killed before its first
    checkpoint, run again): its curve would continue the dead one's, so that one is moved aside."""
    metrics = run_dir / METRICS_NAME
    if metrics.exists():
        metrics.replace(run_dir / UNFINISHED_METRICS_NAME)
        print(f"{metrics} of a run with no checkpoint moved to {UNFINISHED_METRICS_NAME}; this run starts at step 0",
              file=sys.stderr)


def carry_best_policy(source_dir: Path, run_dir: Path, eval_best: dict | None) -> None:
    """Copy source_dir's best_policy.pt into run_dir when it is the one the checkpoint's eval_best
    names (same global_step): a later evaluation of the old run may have replaced it since."""
    source, target = source_dir / BEST_POLICY_NAME, run_dir / BEST_POLICY_NAME
    if eval_best is None or not source.exists():
        return
    try:
        step = load_policy(source)["global_step"]
    except PolicyFileError:
        step = None
    in_place = source.resolve() == target.resolve()
    if step == eval_best["global_step"]:
        if not in_place:
            shutil.copyfile(source, target)
        return
    # A later evaluation of the old run replaced it (or, resuming in place from an older
    # checkpoint, one of the branch given up): not this run's best. In place it is set aside,
    # as an unfinished curve is, so that the directory's files agree with its summary.
    held = f"the policy of step {step:,}" if step is not None else "no readable policy"
    why = f"{BEST_POLICY_NAME} held {held}, not this checkpoint's best (step {eval_best['global_step']:,})"
    if in_place:
        source.replace(run_dir / UNFINISHED_BEST_POLICY_NAME)
        print(f"warning: {why}: moved to {UNFINISHED_BEST_POLICY_NAME}", file=sys.stderr)
    else:
        print(f"warning: {source}: {why}; not carried into {run_dir}", file=sys.stderr)
