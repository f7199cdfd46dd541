"""Prints a run's summary and its learning curve: the mean of the last 100 episodes at every
10% of the steps it ran.   python experiments/benchmark_tuning/curve.py RUN_DIR..."""
import json
import sys
from pathlib import Path


def curve(run_dir: Path) -> list[int]:
    lines = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    episodes = [(m["global_step"], m["charts/episodic_return"]) for m in lines if "charts/episodic_return" in m]
    total = max(step for step, _ in episodes)
    points = []
    for tenth in range(1, 11):
        window = [ret for step, ret in episodes if step <= tenth * total / 10][-100:]
        points.append(round(sum(window) / max(len(window), 1)))
    return points


for arg in sys.argv[1:]:
    summary = json.loads((Path(arg) / "summary.json").read_text())
    print(f"{Path(arg).name}: steps={summary['global_step']} last100={summary['mean_return_last_100']:.1f} "
          f"wall={summary['wall_seconds']}s sps={summary['sps']} curve={curve(Path(arg))}")
