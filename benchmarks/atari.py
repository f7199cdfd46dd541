"""`make bench-atari`: frames per second of one worker on Atari Pong with each env backend
(env.backend=gymnasium|envpool), against the emulator alone; prints and writes
benchmarks/atari_results.md.

One agent step is frame_skip = 4 emulator frames, the unit the A3C paper counts in. Each
setting runs with both backends one after the other, so that a machine shared with other jobs
loads both alike.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from bench import QUICK, machine, run_ours, section
from a3c.config import EnvConfig
from a3c.envs import make_env_batch

HERE = Path(__file__).resolve().parent
FRAME_SKIP = 4
STEPS = 4_000 if QUICK else 40_000


BACKENDS = ("gymnasium", "envpool")


def emulator_sps(backend: str, n_envs: int, seconds: float) -> float:
    """Agent steps per second of the preprocessed envs alone, random actions, no network."""
    envs = make_env_batch(EnvConfig(id="ALE/Pong-v5", backend=backend), seeds=list(range(n_envs)))
    rng = np.random.default_rng(0)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        envs.step(rng.integers(envs.action_space.n, size=n_envs))
        steps += n_envs
    envs.close()
    return steps / (time.perf_counter() - start)


def one_worker(backend: str, model: str, envs_per_worker: int, steps: int) -> float:
    run = run_ours("env=pong", f"env.backend={backend}", f"model={model}", "workers=serial", "workers.count=1",
                   f"workers.envs_per_worker={envs_per_worker}", "logger=off", "train.target_return=null",
                   f"train.total_steps={steps}", "train.log_every_updates=20")
    return run["steady_sps"]


def rows_for(loop: str, envs_per_worker: int, sps: dict) -> list[list[str]]:
    speedup = sps["envpool"] / sps["gymnasium"]
    return [[loop, backend, str(envs_per_worker), f"{sps[backend]:,.0f}", f"{sps[backend] * FRAME_SKIP:,.0f}",
             f"{speedup:.2f}" if backend == "envpool" else "1.00"] for backend in BACKENDS]


def main() -> None:
    started = time.time()
    print("1/2 the emulator alone, each backend", flush=True)
    ceiling = {backend: emulator_sps(backend, n_envs=8, seconds=2.0 if QUICK else 15.0) for backend in BACKENDS}
    rows = rows_for("emulator + preprocessing alone, random actions (ceiling)", 8, ceiling)
    print("2/2 one training worker (serial mode, 1 process), each backend", flush=True)
    for model in ("atari_cnn", "atari_cnn_lstm"):
        for envs_per_worker, steps in ((1, STEPS // 4), (8, STEPS)):
            sps = {backend: one_worker(backend, model, envs_per_worker, steps) for backend in BACKENDS}
            rows += rows_for(f"A3C worker, model={model}", envs_per_worker, sps)
    text = (f"# Atari benchmark\n\nOne `make bench-atari` run on {machine()}. Every number below comes from this run.\n\n"
            + section("Frames per second of one worker on Pong (ALE/Pong-v5, DeepMind preprocessing, 5-step updates)",
                      ["loop", "env.backend", "envs per worker", "agent steps/s", "frames/s", "envpool / gymnasium"], rows)
            + "\nSteady rates, start-up left out; envpool steps a worker's envs in one C++ thread while the worker waits."
            + f"\nTotal benchmark time: {(time.time() - started) / 60:.1f} minutes.\n")
    (HERE / ("atari_results-quick.md" if QUICK else "atari_results.md")).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
