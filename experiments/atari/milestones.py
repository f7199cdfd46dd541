"""A Pong run's milestones from its metrics.jsonl, as markdown: the agent step and wall time at
which the mean of the last 100 games first reached each score, and the mean of the last 100
games, the policy's entropy and the live dead-unit probe at every million steps.

    python experiments/atari/milestones.py experiments/atari/runs/paper_16x1_long
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

SCORES = (-19, -15, -10, -5, 0, 5, 10, 15, 18)


def main(run: Path) -> None:
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    games = sorted((r["global_step"], r["wall_time"], r["charts/episodic_return"]) for r in rows
                   if "charts/episodic_return" in r)
    reached, window, by_million = {}, [], []
    for step, wall, score in games:
        window = (window + [score])[-100:]
        mean = sum(window) / len(window)
        for target in SCORES:
            if len(window) == 100 and mean >= target and target not in reached:
                reached[target] = (step, wall)
        if step >= (len(by_million) + 1) * 1_000_000:
            by_million.append((step, mean))
    print("| mean of the last 100 games first ≥ | agent steps | hours of wall time |\n|---|---|---|")
    for target in SCORES:
        step, wall = reached.get(target, (None, None))
        print(f"| {target} | {f'{step / 1e6:.2f}M' if step else '—'} | {f'{wall / 3600:.2f}' if wall else '—'} |")
    losses = [r for r in rows if "losses/entropy" in r]
    print("\n| agent steps | mean of the last 100 games | entropy (loss lines of the last 250k steps) "
          "| actor fc units silent (same lines) |\n|---|---|---|---|")
    for step, mean in by_million + [(games[-1][0], sum(window) / len(window))]:
        near = [r for r in losses if step - 250_000 < r["global_step"] <= step]
        entropy = sum(r["losses/entropy"] for r in near) / len(near)
        silent = sum(r["probes/actor_inactive_units"] for r in near) / len(near)
        print(f"| {step / 1e6:.2f}M | {mean:.1f} | {entropy:.3f} | {silent:.2f} |")
    summary = json.loads((run / "summary.json").read_text())  # the run's own count, past its last game
    print(f"\n{len(games)} games; best game {max(score for _, _, score in games):+.0f}; "
          f"{summary['global_step']:,} agent steps in {summary['wall_seconds'] / 3600:.2f} h")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
