"""`make bench` (part 2), `make bench-startup`: how long a run takes to start, and what a sweep of
short runs spends outside training. Prints and writes benchmarks/startup_results.md.

1. The floor: a bare interpreter, and each heavy import alone, in fresh processes.
2. Start-up of real runs, phase by phase: each run's summary.json has `startup`, the seconds
   from its process's start to each moment on the way to the first env step (a3c/run/startup.py).
3. Command to exit: a 100-step run, its output piped (as a sweep script or subprocess.run
   reads it), against a fresh interpreter importing torch, gymnasium and hydra; interleaved.
4. A 10-job CartPole sweep (`-m train.seed=range(10)`, the default run otherwise): its wall
   time against the sum of its jobs' training seconds (summary.json's wall_seconds), with
   logger=off and with W&B offline.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import machine

HERE = Path(__file__).resolve().parent
QUICK = os.environ.get("BENCH_QUICK") == "1"  # a minute's check of the harness
REPEATS = 2 if QUICK else 5
SWEEP_JOBS = 2 if QUICK else 10
IMPORTS = ["hydra", "gymnasium", "torch", "wandb"]
MODES = {"serial": ["workers=serial"], "Hogwild (default)": []}
LOGGERS = {"W&B offline (default)": [], "logger=off": ["logger=off"]}
PHASES = ["config_composed", "config_validated", "torch_loaded", "global_model_built", "tracker_started",
          "workers_started", "first_step", "tracker_ready"]
TARGETS = {"serial": 1.0, "Hogwild (default)": 1.5}  # issue 18, with W&B offline on
BARE_IMPORTS = "import torch, gymnasium, hydra"
EXIT_DEFAULT = "default (Hogwild, W&B offline)"
EXIT_RUNS = {EXIT_DEFAULT: [], "Hogwild, logger=off": ["logger=off"], "serial, W&B offline": ["workers=serial"]}
EXIT_TARGET = 2.0  # issue 29: the default run, command to exit, against the bare imports


def timed(command: list[str], piped: bool = False) -> float:
    """Seconds from starting command to its exit; piped: its stdout and stderr read through
    pipes to their end, which a process holding them open after the main one exits delays."""
    started = time.perf_counter()
    if piped:
        subprocess.run(command, check=True, capture_output=True)
    else:
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def import_floor() -> dict[str, float]:
    """Median seconds of `python -c pass` and of each import alone (the interpreter included)."""
    floor = {"python -c pass": statistics.median(timed([sys.executable, "-c", "pass"]) for _ in range(REPEATS))}
    for module in IMPORTS:
        floor[f"import {module}"] = statistics.median(
            timed([sys.executable, "-c", f"import {module}"]) for _ in range(REPEATS))
    return floor


def start_up(overrides: list[str]) -> list[dict]:
    """summary.json's startup moments of REPEATS tiny runs (the first steps, then the end)."""
    moments = []
    for _ in range(REPEATS):
        run_dir = Path(tempfile.mkdtemp(prefix="a3c-startup-")) / "run"
        subprocess.run([sys.executable, "-m", "a3c", *overrides, "train.total_steps=2000", "train.progress=false",
                        f"hydra.run.dir={run_dir}"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        moments.append(json.loads((run_dir / "summary.json").read_text())["startup"])
    return moments


def command_to_exit() -> dict[str, float]:
    """Median seconds, command to exit, of the bare imports and of each 100-step run, taken in
    turns so that the machine's drift falls on all of them alike."""
    times: dict[str, list[float]] = {BARE_IMPORTS: [], **{name: [] for name in EXIT_RUNS}}
    for _ in range(REPEATS):
        times[BARE_IMPORTS].append(timed([sys.executable, "-c", BARE_IMPORTS], piped=True))
        for name, overrides in EXIT_RUNS.items():
            run_dir = Path(tempfile.mkdtemp(prefix="a3c-exit-")) / "run"
            times[name].append(timed([sys.executable, "-m", "a3c", *overrides, "train.total_steps=100",
                                      "train.progress=false", f"hydra.run.dir={run_dir}"], piped=True))
    return {name: statistics.median(values) for name, values in times.items()}


def sweep(overrides: list[str]) -> dict:
    sweep_dir = Path(tempfile.mkdtemp(prefix="a3c-sweep-")) / "sweep"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "a3c", "-m", f"train.seed=range({SWEEP_JOBS})", *overrides,
                    *(["train.total_steps=20000"] if QUICK else []), "train.progress=false",
                    f"hydra.sweep.dir={sweep_dir}"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    summaries = [json.loads(path.read_text()) for path in sweep_dir.glob("*/summary.json")]
    assert len(summaries) == SWEEP_JOBS, f"{len(summaries)} of {SWEEP_JOBS} jobs finished"
    training = sum(summary["wall_seconds"] for summary in summaries)
    return {"wall": wall, "training": training, "overhead": (wall - training) / wall,
            "first_step": statistics.median(summary["startup_seconds"] for summary in summaries)}


def median_moment(moments: list[dict], phase: str) -> str:
    values = [m[phase] for m in moments if phase in m]
    return f"{statistics.median(values):.2f}" if len(values) == len(moments) else "—"


def main() -> None:
    floor = import_floor()
    lines = [f"# Start-up and sweep overhead ({'quick check' if QUICK else 'make bench'})", "",
             f"Machine: {machine()}.", "",
             "## The floor: a fresh interpreter importing one thing (median seconds)", "",
             "| what | seconds |", "|---|---|"]
    lines += [f"| `{name}` | {seconds:.2f} |" for name, seconds in floor.items()]

    lines += ["", f"## Start-up, phase by phase: seconds from the process's start (median of {REPEATS} CartPole runs)",
              "", "| run | " + " | ".join(PHASES) + " | target for first_step |",
              "|---|" + "---|" * (len(PHASES) + 1)]
    for mode, mode_overrides in MODES.items():
        for logger, logger_overrides in LOGGERS.items():
            moments = start_up(mode_overrides + logger_overrides)
            target = f"≤ {TARGETS[mode]:.1f}" if logger.startswith("W&B") else ""
            lines.append(f"| {mode}, {logger} | " + " | ".join(median_moment(moments, p) for p in PHASES) + f" | {target} |")
            print(lines[-1], flush=True)

    exits = command_to_exit()
    bare = exits[BARE_IMPORTS]
    lines += ["", f"## Command to exit: a 100-step CartPole run, output piped (median of {REPEATS}, in turns)", "",
              "| command | seconds | × the bare imports | target |", "|---|---|---|---|"]
    for name, seconds in exits.items():
        label = f"`python -c \"{BARE_IMPORTS}\"`" if name == BARE_IMPORTS else f"`python -m a3c train.total_steps=100`, {name}"
        target = f"≤ {EXIT_TARGET:.1f}×" if name == EXIT_DEFAULT else ""
        lines.append(f"| {label} | {seconds:.2f} | {seconds / bare:.2f} | {target} |")
    print("\n".join(lines[-len(exits):]), flush=True)

    lines += ["", f"## A {SWEEP_JOBS}-job CartPole sweep (`a3c-train -m train.seed=range({SWEEP_JOBS})`, Hogwild default)",
              "", "| logger | sweep wall s | sum of jobs' training s | overhead (wall − training) / wall | median first step s |",
              "|---|---|---|---|---|"]
    for logger, logger_overrides in LOGGERS.items():
        result = sweep(logger_overrides)
        lines.append(f"| {logger} | {result['wall']:.1f} | {result['training']:.1f} | {result['overhead']:.0%} "
                     f"| {result['first_step']:.2f} |")
        print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    (HERE / ("startup_results-quick.md" if QUICK else "startup_results.md")).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
