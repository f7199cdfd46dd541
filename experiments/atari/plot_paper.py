"""paper_preset.png: the paper's preset (+experiment=atari_a3c) with 16 Hogwild workers on 2
cores, beside the 2-worker run that solved Pong and the 16-worker run whose network died.
Top: mean of the last 100 games, by global_step. Bottom: the live probe, the fraction of the
actor's fc units silent on a whole rollout (probes/actor_inactive_units; the older runs
predate it).

    python experiments/atari/plot_paper.py    # reads runs/, writes paper_preset.png
"""
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

HERE = Path(__file__).parent
RUNS = {
    "paper_16x1": "paper's preset, 16 workers x 1 env",
    "paper_16x8": "paper's preset, 16 workers x 8 envs",
    "paper_16x8_long": "paper's preset, 16 x 8, second run to 6.9M steps",
    "paper_16x1_long": "paper's preset, 16 x 1, continued to 10.0M steps (-5.7, target 18)",
    "device_16_workers": "16 x 8, RMSProp eps 1e-5 outside the root, mean losses, clip 0.5 (died)",
    "atari_cnn": "2 x 8, RMSProp eps 1e-5 outside the root, mean losses, clip 0.5 (solved)",
}


def lines(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def last_100_by_step(rows: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    games = sorted((r["global_step"], r["charts/episodic_return"]) for r in rows if "charts/episodic_return" in r)
    steps = np.array([step for step, _ in games])
    returns = np.array([ret for _, ret in games])
    means = np.array([returns[max(0, i - 99):i + 1].mean() for i in range(len(returns))])
    return steps, means


def main() -> None:
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    for name, label in RUNS.items():
        if not (HERE / "runs" / name).exists():
            continue
        rows = lines(HERE / "runs" / name)
        top.plot(*last_100_by_step(rows), label=label)
        probes = sorted((r["global_step"], r["probes/actor_inactive_units"]) for r in rows if "probes/actor_inactive_units" in r)
        if probes:
            steps, fractions = np.array(probes).T
            kernel = np.ones(50) / 50  # probes from 16 workers, each its own rollout: smoothed
            bottom.plot(steps[49:], np.convolve(fractions, kernel, mode="valid"), label=label)
    top.set_ylabel("mean of the last 100 games")
    top.axhline(18, color="grey", linestyle=":", linewidth=1)
    top.legend(fontsize=7, loc="upper left")
    bottom.set_ylabel("actor fc units silent on a rollout")
    bottom.set_xlabel("agent steps (all workers; 4 frames each)")
    bottom.set_ylim(0, 1)
    bottom.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(HERE / "paper_preset.png", dpi=110)


if __name__ == "__main__":
    main()
