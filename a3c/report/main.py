"""`a3c-report`: run directories -> a paper-style table and learning curves.

Reads only local files (summary.json, metrics.jsonl, config.yaml); no network. Runs are
grouped into settings by the config keys that differ between them (the seed excepted), so a
sweep directory becomes one row per ablation.
"""
from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml
from omegaconf import OmegaConf

from a3c import stats
from a3c.config.schema import BOOKKEEPING_KEYS, Config, flatten, short_value

# Keys that say how a run was carried out, not what was tried: its seed, how it was watched
# (BOOKKEEPING_KEYS, which resume and the search check share), its wall-clock cap and what it
# returns to a sweeper. Runs that differ only there are one setting, and a label never names
# them. The step budget is a setting: runs of one setting with different budgets are split
# (--pool-budgets pools them).
NOT_A_SETTING = BOOKKEEPING_KEYS + ("train.seed", "train.max_minutes", "train.objective")
BUDGET_KEY = "train.total_steps"


# What a report measures: "train", the returns of training episodes (the final score is the
# mean of the last 100); "eval", the greedy evaluations of train.eval_every_steps (the final
# score is a3c-eval's eval.json where there is one, else the run's last evaluation).
METRICS = ("train", "eval")

FINAL_POLICY_FILES = ("policy.pt", "checkpoint.pt")  # what a3c-eval of a run directory plays (cli/eval.py)

@dataclass
class Run:
    path: Path
    config: dict  # flattened: {"algo.n_steps": 5, ...}
    summary: dict
    curve_steps: np.ndarray  # global_step of each finished episode (of each evaluation, metric eval)
    curve_returns: np.ndarray  # its return (mean return)
    final_eval: float | None = None  # a3c-eval's mean return of the final policy, greedy (final_policy_evaluation)
    metric: str = "train"
    final_eval_episodes: int | None = None  # how many episodes that evaluation played

    @property
    def final(self) -> float | None:
        if self.metric == "train":  # the 100 latest episodes by step, as the curve ends
            if len(self.curve_returns):
                return float(self.curve_returns[-100:].mean())
            return self.summary["mean_return_last_100"]
        return self.final_eval if self.final_eval is not None else self.summary.get("eval_last_mean_return")

    @property
    def final_source(self) -> str | None:
        """Which numbers `final` is, said in the table (metric eval reads two kinds of evaluation)."""
        if self.metric == "train":
            return "last 100 training episodes"
        if self.final_eval is not None:
            return "a3c-eval of the final policy" + _episodes(self.final_eval_episodes)
        if self.summary.get("eval_last_mean_return") is not None:
            return "last periodic evaluation" + _episodes(self.config.get("train.eval_episodes"))
        return None

    @property
    def origin(self) -> Path | None:
        """The run directory this run was resumed from, whose whole curve it holds, or None.
        summary.json names it since the lineage check; older runs have only train.resume,
        relative to where they were started."""
        source = self.summary.get("resumed_from") or self.config.get("train.resume")
        if not source:
            return None
        path = Path(source)
        path = (path.parent if path.suffix == ".pt" else path).resolve()
        return None if path == self.path.resolve() else path  # a requeued job resumes itself

    @property
    def curve_window(self) -> int:
        """Points averaged into each curve value: 100 episodes, or one evaluation (itself a mean)."""
        return 100 if self.metric == "train" else 1


@dataclass
class Setting:
    label: str
    runs: list = field(default_factory=list)
    values: dict = field(default_factory=dict)  # what the label says: {"algo.lr": "0.001", "env": "acrobot"}


RUN_FILES = ("summary.json", "config.yaml", "metrics.jsonl")  # what a run directory needs to be read


def find_run_dirs(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        found += [p.parent for p in sorted(path.rglob("summary.json"))] if path.is_dir() else []
    return sorted(set(found), key=_natural_key)


def _natural_key(path: Path) -> list:
    """Hydra numbers sweep jobs 0, 1, ..., 10: sort them as numbers, not as text."""
    return [int(part) if part.isdigit() else part for part in path.parts]


def load_run(run_dir: Path, metric: str = "train") -> Run:
    summary = json.loads((run_dir / "summary.json").read_text())
    config = flatten(yaml.safe_load((run_dir / "config.yaml").read_text()))
    key = "charts/episodic_return" if metric == "train" else "eval/mean_return"
    steps, returns = [], []
    with open(run_dir / "metrics.jsonl", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if key in row:
                steps.append(row["global_step"])
                returns.append(row[key])
    # Hogwild workers report in batches, so lines arrive a little out of step order.
    order = np.argsort(np.asarray(steps, dtype=float), kind="stable")
    final_eval = final_policy_evaluation(run_dir)
    return Run(run_dir, config, summary, np.asarray(steps, dtype=float)[order], np.asarray(returns, dtype=float)[order],
               final_eval and final_eval["mean_return"], metric, final_eval and final_eval.get("episodes"))


def final_policy_evaluation(run_dir: Path) -> dict | None:
    """The latest a3c-eval record of the run's final policy (policy.pt, or checkpoint.pt for runs
    older than policy files), greedy, with the run's own env settings: evals.jsonl's, else an
    older run's single eval.json when it is one of those. Sampled or env-changed evaluations and
    best_policy.pt's never stand for the final policy."""
    records = []
    if (run_dir / "evals.jsonl").exists():
        records = [json.loads(line) for line in (run_dir / "evals.jsonl").read_text().splitlines() if line.strip()]
    elif (run_dir / "eval.json").exists():
        records = [json.loads((run_dir / "eval.json").read_text())]
    final = [r for r in records if Path(r.get("policy", "policy.pt")).name in FINAL_POLICY_FILES
             and r.get("greedy", True) and not r.get("env_overrides")]
    return final[-1] if final else None


def count_lineages_once(runs: list[Run]) -> list[Run]:
    """A resumed run starts with its origin's metrics (run/train.py copies them), so the two are
    one run: keep the latest of each lineage, and say so."""
    copies = {run.origin: run for run in runs if run.origin is not None}
    kept = []
    for run in runs:
        copy = copies.get(run.path.resolve())
        if copy is None:
            kept.append(run)
        else:
            print(f"note: {run.path} was resumed as {copy.path}: counted once, as the latter (--keep-origins counts both)",
                  file=sys.stderr)
    return kept


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


def check_scatter_key(key: str, runs: list[Run]) -> None:
    """Before anything is written: the key must be a config key that holds numbers in every run."""
    schema_keys = sorted(flatten(OmegaConf.to_container(OmegaConf.structured(Config))))
    if key not in schema_keys:
        near = difflib.get_close_matches(key, schema_keys, n=1)
        hint = f"; did you mean {near[0]}?" if near else " (a config key such as algo.lr)"
        raise SystemExit(f"error: --scatter {key}: no such config key{hint}")
    bad = [run for run in runs if not isinstance(run.config.get(key), (int, float)) or isinstance(run.config.get(key), bool)]
    if bad:
        raise SystemExit(f"error: --scatter {key}: {bad[0].path} has {key}={bad[0].config.get(key)!r}, not a number")


def varying_keys(runs: list[Run], pool_budgets: bool = False) -> list[str]:
    """The keys that define an experiment and differ between runs. A key the schema lacks did
    nothing (an old run's `+foo=1`, accepted before such keys were refused): no label names it."""
    schema_keys = set(flatten(OmegaConf.to_container(OmegaConf.structured(Config))))
    keys = sorted(set().union(*(run.config.keys() for run in runs)) & schema_keys)
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
    keys = label_keys(runs, pool_budgets)
    settings: dict[str, Setting] = {}
    for run in runs:
        values = {key.removesuffix(".name"): short_value(run.config.get(key)) for key in keys}
        label = " ".join(f"{key}={value}" for key, value in values.items()) or "all runs"
        settings.setdefault(label, Setting(label, values=values)).runs.append(run)
    return keys, list(settings.values())


def setting_row(setting: Setting, seed: int = 0) -> dict:
    finals = np.array([r.final for r in setting.runs if r.final is not None])
    solved = [r for r in setting.runs if r.summary["solved_at_step"] is not None]
    mean, low, high = _mean_and_ci(finals, seed)
    # The column for a3c-eval's returns, beside training's; with metric eval they are the main one.
    evals = np.array([r.final_eval for r in setting.runs if r.final_eval is not None and r.metric == "train"])
    eval_mean, eval_low, eval_high = _mean_and_ci(evals, seed)
    return {
        "setting": setting.label,
        "seeds": len(setting.runs),
        "final_return_mean": mean,
        "ci95_low": low,
        "ci95_high": high,
        "final_return_iqm": stats.iqm(finals) if len(finals) else float("nan"),
        "solved": len(solved),
        "median_steps_to_target": _median([r.summary["solved_at_step"] for r in solved]),
        "median_seconds_to_target": _median([r.summary["solved_at_seconds"] for r in solved]),
        "sps": float(np.mean([r.summary["sps"] for r in setting.runs])),
        "final_from": _counted(r.final_source for r in setting.runs if r.final is not None),
        "eval_runs": len(evals),
        "eval_episodes": ", ".join(str(n) for n in sorted({r.final_eval_episodes or 0 for r in setting.runs
                                                            if r.final_eval is not None} - {0})),
        "eval_return_mean": eval_mean,
        "eval_ci95_low": eval_low,
        "eval_ci95_high": eval_high,
    }


def _mean_and_ci(values: np.ndarray, seed: int) -> tuple:
    """Mean and 95% bootstrap CI; no interval (None) from fewer than two values, where it
    would only repeat the one value."""
    if len(values) < 2:
        return (float(values[0]) if len(values) else float("nan")), None, None
    return (float(values.mean()), *stats.bootstrap_ci(values, seed=seed))


def _episodes(count: int | None) -> str:
    return f", {count} episodes" if count else ""  # records older than the count say nothing


def _counted(sources) -> str:
    """'a3c-eval of the final policy, 20 episodes (3 runs); last periodic evaluation, 10 episodes (2 runs)'."""
    counts = Counter(sources)
    if len(counts) == 1:
        return next(iter(counts))
    return "; ".join(f"{source} ({n} run{'' if n == 1 else 's'})" for source, n in counts.items())


def _median(values: list) -> float | None:
    return float(np.median(values)) if values else None


def build_report(paths: list[Path], out_dir: Path, fmt: str = "markdown", title: str | None = None,
                 scatter_key: str | None = None, metric: str = "train", pool_budgets: bool = False,
                 keep_origins: bool = False) -> tuple[str, list[Path]]:
    """Write table.<ext> and curves.png (and final_vs_<key>.png) into out_dir; return the table
    and the files written."""
    from a3c.report import curves, tables

    run_dirs = find_run_dirs(paths)
    incomplete = [d for d in run_dirs if not all((d / name).is_file() for name in RUN_FILES)]
    if incomplete:  # e.g. a run made in code before run() wrote config.yaml
        print(f"warning: left out {len(incomplete)} director{'y' if len(incomplete) == 1 else 'ies'} with a "
              f"summary.json but no {' or '.join(RUN_FILES[1:])}, e.g. {incomplete[0]}", file=sys.stderr)
        run_dirs = [d for d in run_dirs if d not in incomplete]
    if not run_dirs:
        raise SystemExit(f"error: no run directories (with summary.json) under {', '.join(map(str, paths))}")
    runs = [load_run(run_dir, metric) for run_dir in run_dirs]
    runs = runs if keep_origins else count_lineages_once(runs)
    if metric == "eval" and not any(run.final is not None for run in runs):
        raise SystemExit("error: --metric eval: no run has an evaluation (train.eval_every_steps, or a3c-eval's eval.json)")
    if scatter_key:
        check_scatter_key(scatter_key, runs)
    keys, settings = group_settings(runs, pool_budgets)
    warn_repeated_seeds(settings)
    rows = [setting_row(setting) for setting in settings]
    text = tables.FORMATS[fmt](rows, metric)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [out_dir / f"table.{ {'markdown': 'md', 'latex': 'tex', 'csv': 'csv'}[fmt] }", out_dir / "curves.png"]
    written[0].write_text(text)
    env_ids = sorted({run.summary["env_id"] for run in runs})
    varying = ", ".join(keys) or "runs"
    title = title or (f"{env_ids[0]}: {varying}" if len(env_ids) == 1 else varying)  # else per-task panels
    curves.plot_curves(settings, written[1], title)
    if scatter_key:
        written.append(out_dir / f"final_vs_{scatter_key.split('.')[-1]}.png")
        curves.plot_final_vs(settings, scatter_key, written[-1], title)
    return text, written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="a3c-report", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help="sweep directories or run directories")
    parser.add_argument("--out", type=Path, default=None, help="where table and curves.png go (default: the first path)")
    parser.add_argument("--format", choices=["markdown", "latex", "csv"], default="markdown")
    parser.add_argument("--title", default=None, help="title of the plots")
    parser.add_argument("--metric", choices=METRICS, default="train",
                        help="train: training episodes' returns (default); eval: greedy evaluations (eval.json, eval/mean_return)")
    parser.add_argument("--scatter", default=None, metavar="KEY",
                        help="also plot each run's final score against this config key (log axis), e.g. algo.lr")
    parser.add_argument("--pool-budgets", action="store_true",
                        help=f"count runs that differ only in {BUDGET_KEY} as one setting (default: one row per budget)")
    parser.add_argument("--keep-origins", action="store_true",
                        help="count a resumed run's origin as a run of its own too (default: each lineage once, its latest run)")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.paths if not p.is_dir()]
    if missing:
        parser.error(f"not a directory: {', '.join(missing)}")
    text, written = build_report(args.paths, args.out or args.paths[0], args.format, args.title, args.scatter,
                                 args.metric, args.pool_budgets, args.keep_origins)
    sys.stdout.write(text)
    print(f"wrote {', '.join(map(str, written))}", file=sys.stderr)  # stdout holds the table alone


if __name__ == "__main__":
    main()
