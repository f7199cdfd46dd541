"""Issue 16's "no collapse" check: each run's final last-100 mean against the best last-100
mean it reached, flagged when the final is more than 10% of |best| below the best.

    python experiments/benchmark/collapse.py multirun/study-benchmark  > experiments/benchmark/collapse.md
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

WINDOW = 100


def best_and_final(run_dir: Path) -> tuple[float, float]:
    rows = (json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines())
    episodes = sorted((r["global_step"], r["charts/episodic_return"]) for r in rows if "charts/episodic_return" in r)
    returns = np.array([r for _, r in episodes])
    means = np.convolve(returns, np.ones(WINDOW) / WINDOW, mode="valid")  # every full window
    return float(means.max()), float(means[-1])


def main(sweeps: list[str]) -> None:
    print("| algo | env | seed | best last-100 | final last-100 | final within 10% of best |")
    print("|---|---|---|---|---|---|")
    for path in map(Path, sweeps):  # sweep directories, or run directories themselves
        runs = [path] if (path / "summary.json").exists() else sorted(
            path.iterdir(), key=lambda p: int(p.name) if p.name.isdigit() else -1)
        for run_dir in runs:
            if not (run_dir / "summary.json").exists():
                continue
            summary = json.loads((run_dir / "summary.json").read_text())
            best, final = best_and_final(run_dir)
            ok = final >= best - 0.1 * abs(best)
            print(f"| {summary['algo']} | {summary['env_id']} | {summary['seed']} | {best:.1f} | {final:.1f} | "
                  f"{'yes' if ok else '**no**'} |")


if __name__ == "__main__":
    main(sys.argv[1:])
