"""`a3c-report`: run directories -> a paper-style table and learning curves.

Reads only local files (summary.json, metrics.jsonl, config.yaml); no network. Runs are
grouped into settings by the config keys that differ between them (the seed excepted), so a
sweep directory becomes one row per ablation.
"""
from __future__ import annotations

import argparse
import difflib
import os
import sys
from pathlib import Path

from a3c.report.run_files import UnreadableRun
from a3c.report.runs import METRICS, RUN_FILES, Run, count_lineages_once, find_run_dirs, load_run
from a3c.report.settings import (BUDGET_KEY, group_settings, note_stopped_early, schema_keys, setting_row,
                                 warn_repeated_seeds)


def check_scatter_key(key: str, runs: list[Run]) -> None:
    """Before anything is written: the key must be a config key that holds numbers in every run."""
    keys = schema_keys()
    if key not in keys:
        near = difflib.get_close_matches(key, keys, n=1)
        hint = f"; did you mean {near[0]}?" if near else " (a config key such as algo.lr)"
        raise SystemExit(f"error: --scatter {key}: no such config key{hint}")
    bad = [run for run in runs if not isinstance(run.config.get(key), (int, float)) or isinstance(run.config.get(key), bool)]
    if bad:
        raise SystemExit(f"error: --scatter {key}: {bad[0].path} has {key}={bad[0].config.get(key)!r}, not a number")


def make_out_dir(out_dir: Path) -> None:
    """One error line, not a traceback, where the report cannot go."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise SystemExit(f"error: --out {out_dir}: cannot write there ({err.strerror or err})") from None
    if not os.access(out_dir, os.W_OK):
        raise SystemExit(f"error: --out {out_dir}: cannot write there (permission denied)")


def _readable_runs(run_dirs: list[Path], metric: str) -> list[Run]:
    runs = []
    for run_dir in run_dirs:
        try:
            runs.append(load_run(run_dir, metric))
        except UnreadableRun as err:
            print(f"warning: left out {err}", file=sys.stderr)
    if not runs:
        raise SystemExit("error: no run directory could be read (warnings above)")
    return runs


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
    runs = _readable_runs(run_dirs, metric)
    runs = runs if keep_origins else count_lineages_once(runs)
    if metric == "eval" and not any(run.final is not None for run in runs):
        raise SystemExit("error: --metric eval: no run has an evaluation (train.eval_every_steps, or a3c-eval's eval.json)")
    if scatter_key:
        check_scatter_key(scatter_key, runs)
    make_out_dir(out_dir)
    keys, settings = group_settings(runs, pool_budgets)
    warn_repeated_seeds(settings)
    note_stopped_early(settings)
    rows = [setting_row(setting) for setting in settings]
    text = tables.FORMATS[fmt](rows, metric)
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
