"""Runs grouped into settings by the config keys that differ between them (the seed
excepted), and each setting's row of the table: means, intervals, seeds to target."""
from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from omegaconf import OmegaConf

from a3c import stats
from a3c.config.schema import BOOKKEEPING_KEYS, Config, flatten, short_value
from a3c.report.runs import Run
from a3c.run.stopping import COMPLETED

# Keys that say how a run was carried out, not what was tried: its seed, how it was watched
# (BOOKKEEPING_KEYS, which resume and the search check share), its wall-clock cap and what it
# returns to a sweeper. Runs that differ only there are one setting, and a label never names
# them. The step budget is a setting: runs of one setting with different budgets are split
# (--pool-budgets pools them).
NOT_A_SETTING = BOOKKEEPING_KEYS + ("train.seed", "train.max_minutes", "train.objective")
BUDGET_KEY = "train.total_steps"


def schema_keys() -> list[str]:
    """Every key a run's config can have, flattened: algo.lr, env.id, ..."""
    return sorted(flatten(OmegaConf.to_container(OmegaConf.structured(Config))))


@dataclass
class Setting:
    label: str
    runs: list = field(default_factory=list)
    values: dict = field(default_factory=dict)  # what the label says: {"algo.lr": "0.001", "env": "acrobot"}


def varying_keys(runs: list[Run], pool_budgets: bool = False) -> list[str]:
    """The keys that define an experiment and differ between runs. A key the schema lacks did
    nothing (an old run's `+foo=1`, accepted before such keys were refused): no label names it."""
    keys = sorted(set().union(*(run.config.keys() for run in runs)) & set(schema_keys()))
    not_a_setting = NOT_A_SETTING + ((BUDGET_KEY,) if pool_budgets else ())
    return [
        key for key in keys
        if not key.startswith(not_a_setting) and len({json.dumps(run.config.get(key)) for run in runs}) > 1
    ]


def label_keys(runs: list[Run], pool_budgets: bool = False) -> list[str]:
    """The varying keys, less those the varying presets imply: when algo.name and env.name
    vary, algo.lr or train.target_return stay out of the label unless they also vary between
    runs of one (algo, env) pair (a preset's own values, or a tuned/ file's)."""
    keys = varying_keys(runs, pool_budgets)
    presets = [key for key in keys if key.endswith(".name")]
    if not presets:
        return keys

    def implied(key: str) -> bool:
        values_by_choice: dict = {}
        for run in runs:
            choice = tuple(json.dumps(run.config.get(p)) for p in presets)
            values_by_choice.setdefault(choice, set()).add(json.dumps(run.config.get(key)))
        return all(len(values) == 1 for values in values_by_choice.values())

    return [key for key in keys if key in presets or not implied(key)]


def group_settings(runs: list[Run], pool_budgets: bool = False) -> tuple[list[str], list[Setting]]:
    """Runs of exactly equal label keys are one setting. Labels show floats by 3 significant
    digits, and in full where that would give two settings one label (a random search can draw
    0.0012341 and 0.0012349)."""
    keys = label_keys(runs, pool_budgets)
    by_values: dict[str, list[Run]] = {}
    for run in runs:
        by_values.setdefault(json.dumps([run.config.get(key) for key in keys]), []).append(run)
    settings = [_setting(group, keys, short_value) for group in by_values.values()]
    shared = {label for label, n in Counter(setting.label for setting in settings).items() if n > 1}
    settings = [_setting(s.runs, keys, str) if s.label in shared else s for s in settings]
    return keys, settings


def _setting(runs: list[Run], keys: list[str], show) -> Setting:
    values = {key.removesuffix(".name"): show(runs[0].config.get(key)) for key in keys}
    label = " ".join(f"{key}={value}" for key, value in values.items()) or "all runs"
    return Setting(label, runs=runs, values=values)


def warn_repeated_seeds(settings: list[Setting]) -> None:
    """Two runs of one setting and seed are not two seeds: a serial run repeats itself exactly."""
    for setting in settings:
        by_seed: dict = {}
        for run in setting.runs:
            by_seed.setdefault(run.config.get("train.seed"), []).append(str(run.path))
        for seed, paths in by_seed.items():
            if len(paths) > 1:
                print(f"warning: {setting.label}: train.seed={seed} in {len(paths)} runs ({', '.join(paths)}), "
                      "each counted as a seed; report one of them for independent seeds", file=sys.stderr)


def stopped_early(run: Run) -> bool:
    """Interrupted, out of train.max_minutes, or failed: any stop but a completed run's."""
    reason = run.summary.get("stop_reason")
    return reason is not None and not reason.startswith(COMPLETED)  # older summaries may not say


def note_stopped_early(settings: list[Setting]) -> None:
    """A run cut short is scored on what it reached: the row counts it, and says so."""
    for setting in settings:
        early = [run for run in setting.runs if stopped_early(run)]
        if early:
            runs = "; ".join(f"{run.path} ({run.summary['stop_reason']}, at step {run.summary['global_step']:,})" for run in early)
            print(f"note: {setting.label}: {len(early)} of {len(setting.runs)} runs stopped early and count with what "
                  f"they reached: {runs}", file=sys.stderr)


def setting_row(setting: Setting) -> dict:
    finals = np.array([r.final for r in setting.runs if r.final is not None])
    solved = [r for r in setting.runs if r.summary["solved_at_step"] is not None]
    mean, low, high = _mean_and_ci(finals)
    # The column for a3c-eval's returns, beside training's; with metric eval they are the main one.
    evals = np.array([r.final_eval for r in setting.runs if r.final_eval is not None and r.metric == "train"])
    eval_mean, eval_low, eval_high = _mean_and_ci(evals)
    return {
        "setting": setting.label,
        "seeds": len(setting.runs),
        "final_return_mean": mean,
        "ci95_low": low,
        "ci95_high": high,
        "final_return_iqm": stats.iqm(finals) if len(finals) else float("nan"),
        "final_runs": len(finals),  # runs with a final return (a run with no episode has none)
        "solved": len(solved),
        "median_steps_to_target": _median_to_target([r.summary["solved_at_step"] for r in setting.runs]),
        "median_seconds_to_target": _median_to_target([r.summary["solved_at_seconds"] for r in setting.runs]),
        "sps": float(np.mean([r.summary["sps"] for r in setting.runs])),
        "final_from": _counted(r.final_source for r in setting.runs if r.final is not None),
        "eval_runs": len(evals),
        "eval_episodes": ", ".join(str(n) for n in sorted({r.final_eval_episodes or 0 for r in setting.runs
                                                            if r.final_eval is not None} - {0})),
        "eval_return_mean": eval_mean,
        "eval_ci95_low": eval_low,
        "eval_ci95_high": eval_high,
        "stopped_early": sum(stopped_early(run) for run in setting.runs),  # last: CSV columns keep their places
    }


def _mean_and_ci(values: np.ndarray) -> tuple:
    """Mean and 95% t interval; no interval (None) from fewer than two values, where it
    would only repeat the one value."""
    if len(values) < 2:
        return (float(values[0]) if len(values) else float("nan")), None, None
    return (float(values.mean()), *stats.mean_ci(values))


def _counted(sources) -> str:
    """'a3c-eval of the final policy, 20 episodes (3 runs); last periodic evaluation, 10 episodes (2 runs)'."""
    counts = Counter(sources)
    if len(counts) == 1:
        return next(iter(counts))
    return "; ".join(f"{source} ({n} run{'' if n == 1 else 's'})" for source, n in counts.items())


def _median_to_target(values: list) -> float | None:
    """Over every run, one that never reached the target counting as never (infinity): a setting
    that half its runs never solve has no median (None), however fast its lucky runs were."""
    median = float(np.median([np.inf if value is None else value for value in values])) if values else np.inf
    return None if np.isinf(median) else median
