"""What a sweep says at its end: how many jobs finished (before it, when it continued a sweep
directory), failed or left no results, where the runs are, and the command that makes a table."""
from __future__ import annotations

import json
from pathlib import Path

FAILED_NAME = "failed.txt"  # a failed job's error line, in its own directory (hooks.record_failure)


def finished_jobs(sweep_dir: Path) -> set[Path]:
    """Job directories whose run ended (solved or out of budget) and did not fail. A sweep run
    again into its directory continues: each job resumes from its own checkpoint, so these end
    within seconds and the interrupted ones go on."""
    finished = set()
    for summary_path in sweep_dir.glob("**/summary.json"):
        if (summary_path.parent / FAILED_NAME).exists():
            continue
        try:
            stop_reason = json.loads(summary_path.read_text()).get("stop_reason")
        except (OSError, ValueError):
            continue
        if stop_reason not in ("interrupted", "error"):
            finished.add(summary_path.parent)
    return finished


def sweep_summary(sweep_dir: Path, jobs: int | None, finished_before: set[Path], failed: list[Path],
                  started_ns: int) -> str:
    """How the sweep went, where its runs are, and the command that makes them a table. Its
    finished jobs are those whose summary.json it wrote (since started_ns): a job that had
    finished before ends again within seconds, rewriting it; an earlier sweep's other jobs
    in the same directory are not this sweep's."""
    finished = {job for job in finished_jobs(sweep_dir) if (job / "summary.json").stat().st_mtime_ns >= started_ns}
    counts = [f"{len(finished)} finished"]
    if finished & finished_before:
        counts[0] += f" ({len(finished & finished_before)} of them before this sweep, which continued {sweep_dir})"
    if failed:
        counts.append(f"{len(failed)} failed")
    if jobs is not None and jobs > len(finished) + len(failed):
        counts.append(f"{jobs - len(finished) - len(failed)} without results")
    lines = [f"sweep: {f'{jobs} jobs, ' if jobs is not None else ''}{', '.join(counts)}; runs in {sweep_dir}",
             f"table and curves: a3c-report {sweep_dir}"]
    if failed:
        of = f" of {jobs}" if jobs is not None else ""
        lines += [f"error: {len(failed)}{of} jobs failed:"] + [f"  {path.parent}: {path.read_text().strip()}" for path in failed]
    return "\n".join(lines)
