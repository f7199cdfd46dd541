"""What sharing one model costs two Hogwild workers: the same two worker loops run at once,
updating one global model and one set of optimizer statistics (a Hogwild run), or each its
own (the same code with nothing shared), beside two bare loops at once (their ceiling).

    python benchmarks/hogwild_sharing.py [seconds] [rounds]   # writes benchmarks/hogwild_sharing.md (make bench runs it)

The loops are benchmarks/worker_profile.py's Hogwild form (a local copy synced every update,
gradients handed to the global model, the shared step counter under its lock, a report on a
queue) in two processes started together; rates are env steps per wall-second of each process,
as `make bench` measures the real run's. The three forms alternate, round after round, so a
drift of the machine touches each alike. Issue 29: the gap between "private" and the ceiling
is our worker's code; between "shared" and "private", two processes writing the same memory.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import torch
import torch.multiprocessing as mp

sys.path.insert(0, str(Path(__file__).parent))
from bench import QUICK, machine  # noqa: E402
from ceiling import bare_loop_sps, rates_at_once  # noqa: E402
from worker_profile import default_config, loop, shared_model  # noqa: E402

HERE = Path(__file__).resolve().parent
FORMS = {
    "bare": "two bare loops at once (the ceiling)",
    "private": "two Hogwild worker loops, each updating a model of its own",
    "shared": "two Hogwild worker loops updating one shared model (a Hogwild run)",
}


def _one_loop(form: str, cfg, seconds: float, shared, barrier, results) -> None:
    torch.set_num_threads(1)
    barrier.wait()  # both processes start their loops together
    if form == "bare":
        sps = bare_loop_sps(seconds=seconds)
    else:
        sps = loop(cfg, hogwild=True, seconds=seconds, clock=time.perf_counter, shared=shared)
    results.put(sps)


def two_at_once(form: str, cfg, seconds: float) -> list[float]:
    """Env steps per wall-second of each of two processes running `form` together."""
    ctx = mp.get_context("spawn")
    shared = shared_model(cfg, ctx) if form == "shared" else None
    return rates_at_once(_one_loop, (form, cfg, seconds, shared), 2, seconds, ctx)


def main(seconds: float, rounds: int) -> None:
    started = time.time()
    cfg = default_config()
    rates = {form: [] for form in FORMS}  # per round, the mean of its two processes
    each = {form: [] for form in FORMS}  # per round, each process's own rate
    for round_index in range(rounds):
        for form in FORMS:
            pair = two_at_once(form, cfg, seconds)
            each[form] += pair
            rates[form].append(statistics.mean(pair))
            print(f"round {round_index + 1}/{rounds} {form}: {rates[form][-1]:,.0f} env steps/s per process "
                  f"(the two: {pair[0]:,.0f}, {pair[1]:,.0f})", flush=True)
    ceiling = statistics.median(rates["bare"])
    lines = [
        "# What sharing one model costs two Hogwild workers\n",
        f"One `python benchmarks/hogwild_sharing.py {seconds:g} {rounds}` run on {machine()}: {rounds} rounds of "
        f"{seconds:g} s per form, the forms alternating. CartPole-v1, the default config (4 envs per worker, "
        "5-step updates). Env steps per wall-second of each of the two processes: each round's mean of the two, "
        "median over the rounds (min–max over the rounds' means).\n",
        "| form | env steps/s per process | ratio to the ceiling |",
        "|---|---|---|",
    ]
    for form, title in FORMS.items():
        median = statistics.median(rates[form])
        lines.append(f"| {title} | {median:,.0f} ({min(rates[form]):,.0f}–{max(rates[form]):,.0f}) | {median / ceiling:.2f} |")
    shared, private = statistics.median(rates["shared"]), statistics.median(rates["private"])
    lines.append(f"\nA worker updating the shared model runs at {shared / private:.2f}× its rate with a model of its own "
                 f"(below 1: what sharing costs); our worker's code, without sharing, runs at {private / ceiling:.2f} "
                 "of the ceiling. Compare these with the spread of each form's rounds.\n")
    lines.append("One process's own rate, over every round and both processes (min–max): "
                 + "; ".join(f"{form} {min(each[form]):,.0f}–{max(each[form]):,.0f}" for form in FORMS) + ".\n")
    lines.append(f"Total benchmark time: {(time.time() - started) / 60:.1f} minutes.\n")
    text = "\n".join(lines)
    (HERE / ("hogwild_sharing-quick.md" if QUICK else "hogwild_sharing.md")).write_text(text)
    print(text)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else (1.0 if QUICK else 10.0),
         int(sys.argv[2]) if len(sys.argv) > 2 else (1 if QUICK else 3))
