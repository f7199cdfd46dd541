"""Learning curves: the mean over seeds of each run's last-100-episode mean return, with a
95% bootstrap band, against global_step; one line per setting."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from a3c import stats

WINDOW = 100  # the same window as "solved"
GRID_POINTS = 100


def running_mean_at(steps: np.ndarray, returns: np.ndarray, grid: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """Mean return of the last `window` episodes finished by each grid step (NaN before any).

    After a run's last episode (e.g. it stopped once solved) its last value carries on.
    """
    cumulative = np.concatenate([[0.0], np.cumsum(returns)])
    ends = np.searchsorted(steps, grid, side="right")
    starts = np.maximum(ends - window, 0)
    counts = ends - starts
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, (cumulative[ends] - cumulative[starts]) / counts, np.nan)


def setting_curve(runs: list, grid: np.ndarray, seed: int = 0):
    """(mean, low, high) over the runs of one setting on the grid."""
    values = np.stack([running_mean_at(r.curve_steps, r.curve_returns, grid, r.curve_window) for r in runs])
    mean = values.mean(axis=0)
    if len(runs) < 2:
        return mean, mean, mean
    low, high = np.full_like(mean, np.nan), np.full_like(mean, np.nan)
    defined = ~np.isnan(values).any(axis=0)
    if defined.any():
        low[defined], high[defined] = stats.bootstrap_ci(values[:, defined], seed=seed, axis=0)
    return mean, low, high


def plot_curves(settings: list, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on servers and CI
    import matplotlib.pyplot as plt

    by_env: dict[str, list] = {}  # returns of different tasks do not share an axis
    for setting in settings:
        by_env.setdefault(setting.runs[0].summary["env_id"], []).append(setting)
    figure, all_axes = plt.subplots(1, len(by_env), figsize=(7 * len(by_env), 4.5), squeeze=False)
    for axes, (env_id, env_settings) in zip(all_axes[0], sorted(by_env.items())):
        last_step = max(r.summary["global_step"] for s in env_settings for r in s.runs)
        grid = np.linspace(0, last_step, GRID_POINTS)
        for setting in env_settings:
            mean, low, high = setting_curve(setting.runs, grid)
            line, = axes.plot(grid, mean, label=f"{setting.label} (n={len(setting.runs)})")
            axes.fill_between(grid, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
        axes.set_xlabel("global_step (env steps, all workers)")
        axes.set_ylabel(_y_label(env_settings[0].runs[0].metric))
        axes.set_title(f"{env_id}: {title}" if len(by_env) > 1 else title)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=7, loc="best")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def plot_final_vs(settings: list, key: str, path: Path, title: str) -> None:
    """Each run's final score (mean of its last 100 episodes) against one config key, on a
    log axis, one colour per setting without that key: the paper's robustness figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.5))
    groups: dict[str, list] = {}
    for setting in settings:
        label = " ".join(part for part in setting.label.split() if not part.startswith(f"{key}=")) or "runs"
        groups.setdefault(label, []).extend(setting.runs)
    for label, runs in groups.items():
        x = [run.config[key] for run in runs]
        y = [run.final for run in runs]
        axes.scatter(x, y, label=f"{label} (n={len(runs)})", alpha=0.75)
    axes.set_xscale("log")
    axes.set_xlabel(key)
    axes.set_ylabel(f"final score: {_y_label(runs[0].metric)}")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="best")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def _y_label(metric: str) -> str:
    return f"mean return of the last {WINDOW} episodes" if metric == "train" else "mean return of a greedy evaluation"
