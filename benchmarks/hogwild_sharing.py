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
from ceiling import bare_loop_sps  # noqa: E402
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


def two_at_once(form: str, cfg, seconds: float) -> float:
    """Mean env steps per wall-second of each of two processes running `form` together."""
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    shared = shared_model(cfg, ctx) if form == "shared" else None
    processes = [ctx.Process(target=_one_loop, args=(form, cfg, seconds, shared, barrier, results)) for _ in range(2)]
    for process in processes:
        process.start()
    rates = [results.get(timeout=seconds + 120) for _ in processes]
    for process in processes:
        process.join()
    return statistics.mean(rates)


def main(seconds: float, rounds: int) -> None:
    started = time.time()
    cfg = default_config()
    rates = {form: [] for form in FORMS}
    for round_index in range(rounds):
        for form in FORMS:
            rates[form].append(two_at_once(form, cfg, seconds))
            print(f"round {round_index + 1}/{rounds} {form}: {rates[form][-1]:,.0f} env steps/s per process", flush=True)
    ceiling = statistics.median(rates["bare"])
    lines = [
        "# What sharing one model costs two Hogwild workers\n",
        f"One `python benchmarks/hogwild_sharing.py {seconds:g} {rounds}` run on {machine()}: {rounds} rounds of "
        f"{seconds:g} s per form, the forms alternating. CartPole-v1, the default config (4 envs per worker, "
        "5-step updates). Env steps per wall-second of each of the two processes, median over the rounds "
        "(min–max).\n",
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
    lines.append(f"Total benchmark time: {(time.time() - started) / 60:.1f} minutes.\n")
    text = "\n".join(lines)
    (HERE / ("hogwild_sharing-quick.md" if QUICK else "hogwild_sharing.md")).write_text(text)
    print(text)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else (1.0 if QUICK else 10.0),
         int(sys.argv[2]) if len(sys.argv) > 2 else (1 if QUICK else 3))
