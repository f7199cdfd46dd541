"""`make bench`: our speed against the physical ceiling and against SB3 A2C, in one run on one
machine; prints and writes benchmarks/results.md."""
from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ceiling import bare_loop_sps, bare_loops_at_once
from memory import PeakMemory

HERE = Path(__file__).resolve().parent
# BENCH_QUICK=1: one seed and tiny budgets, to check the harness end to end in a minute.
QUICK = os.environ.get("BENCH_QUICK") == "1"
SEEDS = range(1 if QUICK else 5)
FIXED_STEPS = 20_000 if QUICK else 300_000
FIXED_BUDGET = ["train.target_return=null", f"train.total_steps={FIXED_STEPS}"]
SOLVE_BUDGET = ["train.max_minutes=0.2"] if QUICK else []
# Section 1's Hogwild run and section 4's logger=off runs: the same overrides, so all of them
# measure the Hogwild worker against its ceiling.
HOGWILD_OFF = ["workers=hogwild", "workers.count=2", "logger=off", *FIXED_BUDGET]


def run_ours(*overrides: str) -> dict:
    """One real a3c-train run; its summary plus steady-state SPS and peak memory per role."""
    run_dir = Path(tempfile.mkdtemp(prefix="a3c-bench-"))
    command = [sys.executable, "-m", "a3c", *overrides, "train.progress=false", f"hydra.run.dir={run_dir}"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    memory = PeakMemory(process.pid)
    _, stderr = process.communicate()
    peaks = memory.stop()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{stderr[-2000:]}")
    summary = json.loads((run_dir / "summary.json").read_text())
    return {**summary, "steady_sps": steady_sps(run_dir / "metrics.jsonl"), "peak_mib": peaks}


def steady_sps(metrics: Path, skip_seconds: float = 2.0) -> float:
    """Env steps per second once the workers run, leaving start-up out. Hogwild workers' rows
    arrive out of global_step order, so each point takes the largest global_step seen so far."""
    points, highest = [], -math.inf
    for row in map(json.loads, metrics.read_text().splitlines()):
        highest = max(highest, row["global_step"])
        points.append((row["wall_time"], highest))
    skip = min(skip_seconds, (points[-1][0] - points[0][0]) / 2)  # short (quick) runs keep their second half
    points = [p for p in points if p[0] >= points[0][0] + skip]
    (t0, s0), (t1, s1) = points[0], points[-1]
    return (s1 - s0) / max(t1 - t0, 1e-9)


def run_sb3(seed: int) -> dict:
    output = subprocess.run([sys.executable, str(HERE / "sb3_a2c.py"), f"--seed={seed}", *(["--budget=20000"] if QUICK else [])], capture_output=True, text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def figure(value: float) -> str:
    return "not solved" if math.isinf(value) else f"{value:,.1f}"


def spread(values: list) -> str:
    """Median (min–max); an unsolved run is infinite, so it counts against the median."""
    if not values:
        return "—"
    return f"{figure(statistics.median(values))} ({figure(min(values))}–{figure(max(values))})"


def solve_stats(runs: list[dict]) -> dict:
    """Seconds and steps to solve, every run counted: one that never solved counts as never
    solving (infinite), so a failed seed raises the median instead of dropping out of it."""
    solved = [r for r in runs if r["solved_at_seconds"] is not None]
    return {
        "solved": f"{len(solved)}/{len(runs)}",
        "seconds": [math.inf if r["solved_at_seconds"] is None else r["solved_at_seconds"] for r in runs],
        "steps": [math.inf if r["solved_at_step"] is None else r["solved_at_step"] / 1000 for r in runs],
    }


def ratio_of(numerator: float, denominator: float, unit: str = "") -> str:
    """numerator / denominator to two places; the medians may be infinite (most runs unsolved)."""
    if math.isinf(denominator):
        return "— (the median run did not solve)"
    return f"∞{unit}" if math.isinf(numerator) else f"{numerator / denominator:.2f}{unit}"


def rate_to_solve(stats: dict) -> float:
    """Env steps per second to solve, median steps / median seconds (the same for every agent)."""
    steps, seconds = statistics.median(stats["steps"]) * 1000, statistics.median(stats["seconds"])
    return math.nan if math.isinf(steps) or math.isinf(seconds) else steps / seconds


def section(title: str, header: list[str], rows: list[list]) -> str:
    lines = [f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    started = time.time()
    out = [f"# Benchmarks\n\nOne `make bench` run on {machine()}. Every number below comes from this run.\n"]

    print("1/5 ceiling and per-worker throughput", flush=True)
    seconds = 1.0 if QUICK else 10.0
    ceiling = bare_loop_sps(seconds=seconds)
    # Two Hogwild workers share the cores with each other and with the parent: their fair
    # ceiling is two bare loops at once, each in its own process, started together.
    ceiling_of_two = statistics.mean(bare_loops_at_once(2, seconds))
    serial = run_ours("workers=serial", "logger=off", *FIXED_BUDGET)
    hogwild = run_ours(*HOGWILD_OFF)
    section_one = len(out)
    out.append("")  # written once section 4's logger=off runs, the same Hogwild run three more times, are in

    print("2/5 time to solve: ours (default) and SB3 A2C, 5 seeds each", flush=True)
    ours = [run_ours(f"train.seed={seed}", *SOLVE_BUDGET) for seed in SEEDS]
    sb3 = [run_sb3(seed) for seed in SEEDS]
    ours_solve, sb3_solve = solve_stats(ours), solve_stats(sb3)
    ratio = ratio_of(statistics.median(sb3_solve["seconds"]), statistics.median(ours_solve["seconds"]), "×")
    ours_rate, sb3_rate = rate_to_solve(ours_solve), rate_to_solve(sb3_solve)
    rates = (f"ours {ours_rate:,.0f}, SB3 {sb3_rate:,.0f} ({ours_rate / sb3_rate:.2f}×)"
             if not (math.isnan(ours_rate) or math.isnan(sb3_rate)) else "— (a median run did not solve)")
    out.append(section(
        "2. Time to solve CartPole-v1 (mean of the last 100 episodes ≥ 475), median (min–max)",
        ["agent", "solved", "wall seconds", "env steps (k)"],
        [["ours: `a3c-train` default (A3C, 2 Hogwild workers × 4 envs, W&B offline)", ours_solve["solved"], spread(ours_solve["seconds"]), spread(ours_solve["steps"])],
         ["SB3 A2C, RL Zoo CartPole-v1 settings (8 envs)", sb3_solve["solved"], spread(sb3_solve["seconds"]), spread(sb3_solve["steps"])]])
        + f"\nRatio of medians, SB3 seconds / ours: **{ratio}** (target ≥ 2×). Seconds count from the start of training: for us from before the workers start, for SB3 from `learn()`."
        " A seed that did not solve counts as never solving (infinite seconds and steps) in the medians.\n"
        + f"\nEnv steps per second to solve, median steps / median seconds for both agents: {rates}.\n")

    print("3/5 scaling: 1 worker, 5 seeds", flush=True)
    one = [run_ours(f"train.seed={seed}", "workers.count=1", *SOLVE_BUDGET) for seed in SEEDS]
    one_solve = solve_stats(one)
    sps_one, sps_two = statistics.median(r["steady_sps"] for r in one), statistics.median(r["steady_sps"] for r in ours)
    time_speedup = ratio_of(statistics.median(one_solve["seconds"]), statistics.median(ours_solve["seconds"]))
    out.append(section(
        "3. Scaling on this machine (default config, Hogwild)",
        ["workers", "steady env steps/s (median)", "solved", "wall seconds to solve", "speedup in SPS", "speedup in time to solve"],
        [[1, f"{sps_one:,.0f}", one_solve["solved"], spread(one_solve["seconds"]), "1.00", "1.00"],
         [2, f"{sps_two:,.0f}", ours_solve["solved"], spread(ours_solve["seconds"]), f"{sps_two / sps_one:.2f}", time_speedup]])
        + "\nFor 1 to 16 workers (MinAtar Breakout, data efficiency, measured on 2 cores) see "
        "`experiments/workers/results.md`.\n")

    print("4/5 logger overhead: off vs W&B offline, 3 runs each", flush=True)
    off = [run_ours(*HOGWILD_OFF)["steady_sps"] for _ in range(3)]
    wandb = [run_ours("logger=wandb", *FIXED_BUDGET)["steady_sps"] for _ in range(3)]
    slowdown = 1 - statistics.median(wandb) / statistics.median(off)
    out.append(section(
        f"4. Logging overhead (2 Hogwild workers, {FIXED_STEPS // 1000}k steps, steady env steps/s)",
        ["logger", "runs", "median", "min–max"],
        [["off", 3, f"{statistics.median(off):,.0f}", f"{min(off):,.0f}–{max(off):,.0f}"],
         ["wandb (offline)", 3, f"{statistics.median(wandb):,.0f}", f"{min(wandb):,.0f}–{max(wandb):,.0f}"]])
        + (f"\nW&B costs {slowdown * 100:.1f}% of throughput (target ≤ 5%).\n" if slowdown > 0 else
           f"\nThe W&B runs were {-slowdown * 100:.1f}% faster than logger=off: no cost measurable above the"
           " noise between runs (target: at most 5% slower).\n"))

    # Section 1's Hogwild row: the median over every run with its overrides, not one of them.
    hogwild_runs = [hogwild["steady_sps"] / 2, *(sps / 2 for sps in off)]
    per_worker = [("bare loop (ceiling)", ceiling, ceiling), ("ours, serial, 1 worker", serial["steady_sps"], ceiling),
                  ("bare loop, each of 2 at once (ceiling of 2)", ceiling_of_two, ceiling),
                  (f"ours, Hogwild, each of 2 workers (median of {len(hogwild_runs)} runs)", statistics.median(hogwild_runs), ceiling_of_two)]
    out[section_one] = section(
        "1. Throughput per worker against the ceiling (CartPole-v1, 4 envs per batched forward, 5-step updates)",
        ["loop", "env steps/s", "ratio to the bare loop alone", "ratio to its own ceiling"],
        [[name, f"{sps:,.0f}", f"{sps / ceiling:.2f}", f"{sps / own:.2f}"] for name, sps, own in per_worker]) + (
        f"\nThe Hogwild row is the median of the {len(hogwild_runs)} runs with the same overrides (logger=off, "
        f"{FIXED_STEPS:,} steps): this section's and section 4's {len(off)} logger=off runs; each run's "
        f"ratio to its own ceiling: {', '.join(f'{sps / ceiling_of_two:.2f}' for sps in hogwild_runs)}. Steady rates take "
        "the largest `global_step` seen so far, as Hogwild rows arrive out of order.\n")

    print("5/5 memory", flush=True)
    rows = [["serial, 1 worker (logger=off)", f"{serial['peak_mib'].get('parent', 0):.0f}", "—", "—", "—"],
            ["Hogwild, 2 workers (logger=off)", f"{hogwild['peak_mib'].get('parent', 0):.0f}",
             f"{hogwild['peak_mib'].get('fork server', 0):.0f}", f"{hogwild['peak_mib'].get('worker', 0):.0f}", "—"],
            ["default: Hogwild, 2 workers, W&B offline", f"{max(r['peak_mib'].get('parent', 0) for r in ours):.0f}",
             f"{max(r['peak_mib'].get('fork server', 0) for r in ours):.0f}",
             f"{max(r['peak_mib'].get('worker', 0) for r in ours):.0f}", f"{max(r['peak_mib'].get('wandb', 0) for r in ours):.0f}"]]
    out.append(section("5. Peak resident memory (MiB; largest over the runs above)",
                       ["run", "parent", "fork server", "each worker (max)", "W&B service"], rows)
               + "\nTarget: ≤ 300 MiB per CartPole worker. A worker's resident set counts the pages it shares"
               " with the fork server it was forked from (torch's libraries, imported once), as a spawned worker's"
               " counted its own copy of them.\n")

    out.append(f"\nTotal benchmark time: {(time.time() - started) / 60:.1f} minutes.\n")
    text = "\n".join(out)
    (HERE / ("results-quick.md" if QUICK else "results.md")).write_text(text)
    print(text)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), platform.processor())
    import torch

    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, torch {torch.__version__}"


if __name__ == "__main__":
    main()
