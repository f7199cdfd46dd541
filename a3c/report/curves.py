"""Learning curves: the mean over seeds of each run's last-100-episode mean return, with a
95% CI band (Student's t), against global_step; one line per setting, one panel per task.

Figures are meant to go into a paper as they are: the legend sits outside the axes, a task
with many settings is split into panels, the figure says what the band is, and the task's
target is a dashed line.

Longer than 200 lines because the panel layout, colours and legend serve these two figures
only; apart they would be a module no other file reads."""
from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple

import numpy as np

from a3c import stats
from a3c.run.stopping import SOLVED

WINDOW = 100  # the same window as "solved"
GRID_POINTS = 100
MAX_LINES_PER_PANEL = 10  # beyond this, colours and legend entries stop being told apart
LEGEND_ROWS = 22  # entries per legend column: a column as tall as the panel


def running_mean_at(steps: np.ndarray, returns: np.ndarray, grid: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """Mean return of the last `window` episodes finished by each grid step (NaN before any;
    after the last episode its value carries on: run_curve decides how far)."""
    cumulative = np.concatenate([[0.0], np.cumsum(returns)])
    ends = np.searchsorted(steps, grid, side="right")
    starts = np.maximum(ends - window, 0)
    counts = ends - starts
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, (cumulative[ends] - cumulative[starts]) / counts, np.nan)


def run_curve(run, grid: np.ndarray) -> np.ndarray:
    """A run's curve on the grid, NaN past its last step (give or take one grid step, as runs of
    one budget overshoot it by different amounts): what it would have scored there is not known,
    and a flat line would stand in for it in the mean. A run that stopped because it was solved
    is the exception: it carries its last value on (solved stays solved)."""
    values = running_mean_at(run.curve_steps, run.curve_returns, grid, run.curve_window)
    if not str(run.summary.get("stop_reason", "")).startswith(SOLVED):
        spacing = grid[1] - grid[0] if len(grid) > 1 else 0.0
        values[grid > run.summary.get("global_step", np.inf) + spacing] = np.nan
    return values


def curve_runs(runs: list) -> list:
    """The runs a setting's curve is drawn from: those with an episode."""
    return [run for run in runs if len(run.curve_steps)]


def setting_curve(runs: list, grid: np.ndarray):
    """(mean, low, high) over the runs of one setting on the grid, defined where every run is; a
    run with no episode has no curve and is left out, as the table leaves it out of the mean."""
    values = np.stack([run_curve(r, grid) for r in (curve_runs(runs) or runs)])  # none: all NaN
    mean = values.mean(axis=0)
    if len(values) < 2:
        return mean, mean, mean
    low, high = np.full_like(mean, np.nan), np.full_like(mean, np.nan)
    defined = ~np.isnan(values).any(axis=0)
    if defined.any():
        low[defined], high[defined] = stats.mean_ci(values[:, defined], axis=0)
    return mean, low, high


class Panel(NamedTuple):
    title: str
    split_key: str | None  # the label key this panel holds at one value (left out of its legend)
    settings: list


def split_panels(settings: list) -> list[Panel]:
    """One panel per task (returns of different tasks share no axis); a task with more than
    MAX_LINES_PER_PANEL settings gets one panel per value of its label key with the fewest values."""
    by_env: dict[str, list] = {}
    for setting in settings:
        by_env.setdefault(setting.runs[0].summary["env_id"], []).append(setting)
    panels = []
    for env_id, env_settings in sorted(by_env.items()):
        key = _split_key(env_settings)
        groups: dict[str, list] = {}
        for setting in env_settings:
            groups.setdefault(setting.values[key] if key else "", []).append(setting)
        panels += [Panel(f"{env_id}, {key}={value}" if key else env_id, key, sorted(group, key=_value_order))
                   for value, group in groups.items()]
    return panels


def _split_key(settings: list) -> str | None:
    if len(settings) <= MAX_LINES_PER_PANEL:
        return None
    counts = {key: len({s.values[key] for s in settings}) for key in settings[0].values}
    candidates = [key for key, count in counts.items() if 1 < count < len(settings)]
    return min(candidates, key=counts.get) if candidates else None


def _value_order(setting) -> tuple:
    """Numbers in numeric order, so that a colour map runs along a swept value such as algo.lr."""
    def number_or_text(value: str) -> tuple:
        try:
            return (0, float(value), "")
        except ValueError:
            return (1, 0.0, value)
    return tuple(number_or_text(value) for value in setting.values.values())


def band_statement(settings: list) -> str:
    counts = sorted({len(curve_runs(setting.runs)) for setting in settings})
    if counts == [1]:
        return "one seed per setting: its curve alone, no band"
    seeds = f"{counts[0]} seeds" if len(counts) == 1 else f"{counts[0]}–{counts[-1]} seeds (n in the legend)"
    return f"mean ± 95% CI (Student's t) over {seeds}" + ("; no band where n = 1" if counts[0] == 1 else "")


def curves_figure(settings: list, title: str):
    """The learning-curve figure, not yet saved (tests look inside it)."""
    plt = _pyplot()
    panels = split_panels(settings)
    show_n = len({len(curve_runs(setting.runs)) for setting in settings}) > 1  # else the statement says n
    figure, all_axes = _panel_grid(plt, len(panels))
    for axes, panel in zip(all_axes, panels):
        runs = [run for setting in panel.settings for run in setting.runs]
        grid = np.linspace(0, max(run.summary["global_step"] for run in runs), GRID_POINTS)
        for setting, color in zip(panel.settings, _colors(plt, len(panel.settings))):
            mean, low, high = setting_curve(setting.runs, grid)
            axes.plot(grid, mean, color=color, linewidth=1.2, label=_legend_label(setting, panel.split_key, show_n))
            if len(curve_runs(setting.runs)) > 1:
                axes.fill_between(grid, low, high, color=color, alpha=0.15, linewidth=0)
        draw_targets(axes, runs)
        axes.set_xlabel("global_step (env steps, all workers)")
        axes.set_ylabel(_y_label(runs[0].metric))
        axes.set_title(panel.title if len(panels) > 1 else "", fontsize=10)
        axes.grid(alpha=0.3)
        legend_outside(axes)
    figure.suptitle(f"{title}\n{band_statement(settings)}", fontsize=11)
    return figure


def plot_curves(settings: list, path: Path, title: str) -> None:
    _save(curves_figure(settings, title), path)


def plot_final_vs(settings: list, key: str, path: Path, title: str) -> None:
    """Each run's final score against one config key, on a log axis (symmetric log where a value
    is 0 or less), one colour per setting
    without that key: the paper's robustness figure."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 4.5), layout="constrained")
    groups: dict[str, list] = {}
    for setting in settings:
        label = " ".join(f"{k}={v}" for k, v in setting.values.items() if k != key) or "runs"
        groups.setdefault(label, []).extend(setting.runs)
    for (label, runs), color in zip(groups.items(), _colors(plt, len(groups))):
        axes.scatter([run.config[key] for run in runs], [run.final for run in runs],
                     color=color, label=f"{label} (n={len(runs)})", alpha=0.75)
    all_runs = [run for runs in groups.values() for run in runs]
    if len({run.summary["env_id"] for run in all_runs}) == 1:  # one task: its target means something here
        draw_targets(axes, all_runs)
    values = [run.config[key] for run in all_runs]
    positive = [v for v in values if v > 0]
    if len(positive) == len(values):
        axes.set_xscale("log")
        axes.set_xlabel(key)
    else:  # a log axis would drop the runs at 0 (entropy off) without a word: linear up to the smallest value
        axes.set_xscale("symlog", linthresh=min(positive) if positive else 1.0)
        axes.set_xlabel(f"{key} (symmetric log: linear below {min(positive) if positive else 1.0:g})")
    axes.set_ylabel(f"final score: {_y_label(all_runs[0].metric)}")
    axes.set_title(f"{title}\none point per run", fontsize=11)
    axes.grid(alpha=0.3)
    legend_outside(axes)
    _save(figure, path)


def draw_targets(axes, runs: list) -> None:
    for target in sorted({run.summary.get("target_return") for run in runs} - {None}):
        axes.axhline(target, color="black", linestyle="--", linewidth=1, alpha=0.6, label=f"target ({target:g})")


def legend_outside(axes) -> None:
    """Right of the axes, never over the curves; more columns rather than a legend taller than the figure."""
    count = len(axes.get_legend_handles_labels()[1])
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, frameon=False,
                fontsize=7 if count > MAX_LINES_PER_PANEL else 8, ncol=math.ceil(count / LEGEND_ROWS))


def _legend_label(setting, split_key: str | None, show_n: bool) -> str:
    label = " ".join(f"{key}={value}" for key, value in setting.values.items() if key != split_key) or "all runs"
    return f"{label} (n={len(curve_runs(setting.runs))})" if show_n else label


def _colors(plt, count: int) -> list:
    """The usual ten colours; past ten they would repeat, so a colour map in the settings' order."""
    if count <= 10:
        return [plt.get_cmap("tab10")(i) for i in range(count)]
    return list(plt.get_cmap("viridis")(np.linspace(0, 0.95, count)))


def _panel_grid(plt, count: int):
    columns = 1 if count == 1 else 2
    rows = math.ceil(count / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(9 * columns, 4.5 * rows), squeeze=False, layout="constrained")
    for unused in axes.flat[count:]:
        unused.set_visible(False)
    return figure, list(axes.flat[:count])


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on servers and CI
    import matplotlib.pyplot as plt

    return plt


def _save(figure, path: Path) -> None:
    figure.savefig(path, dpi=120, bbox_inches="tight")  # tight: the outside legends are part of the figure
    _pyplot().close(figure)


def _y_label(metric: str) -> str:
    return f"mean return of the last {WINDOW} episodes" if metric == "train" else "mean return of a greedy evaluation"
