"""Data efficiency against the number of Hogwild workers: for each run of the study, the env
steps its mean of the last 100 episodes (by global_step) first reached a score, the score being
the 2-worker runs' mean final return (the issue's choice), and a fixed 3.0 where the curves
leave their steep climb (a crossing the noise of the plateau moves less); per worker count the
median over seeds and its ratio to 1 worker's; also the measured throughput. Writes
data_efficiency.md and data_efficiency.png.

    python experiments/workers/data_efficiency.py multirun/study-workers
"""
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import yaml  # noqa: E402

HERE = Path(__file__).parent
REFERENCE_COUNT = 2  # the score to reach: these runs' mean final return (the issue's choice)
CLIMB_SCORE = 3.0  # the end of the curves' steep climb (curves.png), the second score


def load(run_dir: Path) -> dict:
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    summary = json.loads((run_dir / "summary.json").read_text())
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    games = sorted((r["global_step"], r["charts/episodic_return"]) for r in rows if "charts/episodic_return" in r)
    steps = np.array([s for s, _ in games], dtype=float)
    returns = np.array([r for _, r in games], dtype=float)
    cumulative = np.concatenate([[0.0], np.cumsum(returns)])
    starts = np.maximum(np.arange(1, len(returns) + 1) - 100, 0)
    means = (cumulative[1:] - cumulative[starts]) / (np.arange(1, len(returns) + 1) - starts)
    return {"count": config["workers"]["count"], "seed": config["train"]["seed"], "steps": steps, "means": means,
            "final": float(returns[-100:].mean()), "sps": summary["sps"], "wall": summary["wall_seconds"],
            "startup": summary.get("startup_seconds")}


def steps_to(run: dict, score: float) -> float | None:
    """The first step at which the mean of the last 100 episodes is at least score (full windows only)."""
    reached = np.nonzero((run["means"] >= score) & (np.arange(len(run["means"])) >= 99))[0]
    return float(run["steps"][reached[0]]) if len(reached) else None


def main(sweep: Path) -> None:
    runs = [load(p.parent) for p in sorted(sweep.glob("*/summary.json"))]
    counts = sorted({r["count"] for r in runs})
    score = float(np.mean([r["final"] for r in runs if r["count"] == REFERENCE_COUNT]))
    lines = [f"Score to reach: {score:.2f}, the mean final return (last 100 episodes) of the {REFERENCE_COUNT}-worker runs.", "",
             *score_table(runs, counts, score), "",
             f"Score to reach: {CLIMB_SCORE:.2f}, where the curves end their steep climb.", "",
             *score_table(runs, counts, CLIMB_SCORE)]
    (HERE / "data_efficiency.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    _plot(runs, counts, score)


def score_table(runs: list[dict], counts: list[int], score: float) -> list[str]:
    lines = ["| workers | seeds | final return per seed | mean final | steps to the score, per seed | median steps | vs 1 worker | SPS (2 cores, mean) |",
             "|---|---|---|---|---|---|---|---|"]
    medians = {}
    for count in counts:
        group = sorted((r for r in runs if r["count"] == count), key=lambda r: r["seed"])
        reached = [steps_to(r, score) for r in group]
        # A seed that never reached the score counts as beyond the budget, so later than every
        # seed that did: the median stays exact while fewer than half the seeds miss.
        padded = sorted(s if s is not None else float("inf") for s in reached)
        medians[count] = float(np.median(padded)) if padded else None
        median = medians[count]
        cell = "—" if median is None or median == float("inf") else f"{median:,.0f}"
        finals = ", ".join(f"{r['final']:.2f}" for r in group)
        per_seed = ", ".join("not reached" if s is None else f"{s:,.0f}" for s in reached)
        mean_final = np.mean([r["final"] for r in group])
        sps = np.mean([r["sps"] for r in group])
        lines.append(f"| {count} | {len(group)} | {finals} | {mean_final:.2f} | {per_seed} | {cell} | "
                     f"{_ratio(medians.get(1), median)} | {sps:,.0f} |")
    return lines


def _ratio(base: float | None, value: float | None) -> str:
    if base in (None, float("inf")) or value in (None, float("inf")):
        return "—"
    return f"{value / base:.2f}×"


def _plot(runs: list[dict], counts: list[int], score: float) -> None:
    figure, axes = plt.subplots(figsize=(8, 4.5), layout="constrained")
    colors = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(counts)))
    for count, color in zip(counts, colors):
        for i, run in enumerate(r for r in runs if r["count"] == count):
            axes.plot(run["steps"][99:], run["means"][99:], color=color, alpha=0.8, lw=1.2,
                      label=f"{count} worker{'s' * (count > 1)}" if i == 0 else None)
    axes.axhline(score, color="grey", ls="--", lw=1, label=f"score to reach ({score:.2f})")
    axes.set_xlabel("env steps (all workers)")
    axes.set_ylabel("mean return, last 100 episodes")
    axes.set_title("MinAtar Breakout, A3C with the paper's optimizer: one line per seed", fontsize=11)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", fontsize=8)
    figure.savefig(HERE / "data_efficiency.png", dpi=110)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
