"""curves.png with readable labels: the runs' configs predate some keys, so a3c-report's
labels (every key that differs, None where a key did not exist yet) are unreadable here.

    python experiments/atari/plot.py    # reads runs/, writes curves.png
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from a3c.report.curves import running_mean_at  # noqa: E402
from a3c.report.runs import load_run  # noqa: E402

HERE = Path(__file__).parent
LABELS = {
    "atari_cnn": "feed-forward, RMSProp 7e-4 (solved at 3.74M)",
    "atari_cnn_lstm": "LSTM, RMSProp 7e-4",
    "atari_cnn_lstm_own_critic": "LSTM with its own critic body, RMSProp 7e-4",
    "atari_cnn_lstm_adam": "LSTM, Adam 1e-4 (solved at 4.59M)",
}


def main() -> None:
    figure, axes = plt.subplots(figsize=(9, 5))
    for name, label in LABELS.items():
        run = load_run(HERE / "runs" / name)
        grid = np.linspace(0, run.summary["global_step"], 200)
        axes.plot(grid, running_mean_at(run.curve_steps, run.curve_returns, grid), label=label)
    axes.axhline(18, color="grey", linestyle="--", linewidth=1, label="target (18)")
    axes.set_xlabel("agent steps (4 frames each), both workers")
    axes.set_ylabel("mean score of the last 100 games")
    axes.set_title("A3C on Pong, 2 Hogwild workers x 8 envs, one seed each")
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    figure.savefig(HERE / "curves.png", dpi=120)


if __name__ == "__main__":
    main()
