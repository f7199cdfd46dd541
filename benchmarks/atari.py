"""`make bench-atari`: frames per second of one worker on Atari Pong, against the emulator
alone; prints and writes benchmarks/atari_results.md.

One agent step is frame_skip = 4 emulator frames, the unit the A3C paper counts in.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from bench import QUICK, machine, run_ours, section
from a3c.config import EnvConfig
from a3c.envs import EnvBatch

HERE = Path(__file__).resolve().parent
FRAME_SKIP = 4
STEPS = 4_000 if QUICK else 40_000


def emulator_sps(n_envs: int, seconds: float) -> float:
    """Agent steps per second of the preprocessed envs alone, random actions, no network."""
    envs = EnvBatch(EnvConfig(id="ALE/Pong-v5"), seeds=list(range(n_envs)))
    rng = np.random.default_rng(0)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        envs.step(rng.integers(envs.action_space.n, size=n_envs))
        steps += n_envs
    envs.close()
    return steps / (time.perf_counter() - start)


def one_worker(model: str, envs_per_worker: int, steps: int) -> float:
    run = run_ours("env=pong", f"model={model}", "workers=serial", "workers.count=1",
                   f"workers.envs_per_worker={envs_per_worker}", "logger=off", "train.target_return=null",
                   f"train.total_steps={steps}", "train.log_every_updates=20")
    return run["steady_sps"]


def main() -> None:
    started = time.time()
    print("1/2 the emulator alone", flush=True)
    ceiling = emulator_sps(n_envs=8, seconds=2.0 if QUICK else 15.0)
    rows = [["emulator + preprocessing alone, random actions (ceiling)", "8", f"{ceiling:,.0f}", f"{ceiling * FRAME_SKIP:,.0f}", "1.00"]]
    print("2/2 one training worker (serial mode, 1 process)", flush=True)
    for model in ("atari_cnn", "atari_cnn_lstm"):
        for envs_per_worker, steps in ((1, STEPS // 4), (8, STEPS)):
            sps = one_worker(model, envs_per_worker, steps)
            rows.append([f"A3C worker, model={model}", str(envs_per_worker), f"{sps:,.0f}",
                         f"{sps * FRAME_SKIP:,.0f}", f"{sps / ceiling:.2f}"])
    text = (f"# Atari benchmark\n\nOne `make bench-atari` run on {machine()}. Every number below comes from this run.\n\n"
            + section("Frames per second of one worker on Pong (ALE/Pong-v5, DeepMind preprocessing, 5-step updates)",
                      ["loop", "envs per worker", "agent steps/s", "frames/s", "ratio to ceiling"], rows)
            + f"\nSteady rates, start-up left out. Total benchmark time: {(time.time() - started) / 60:.1f} minutes.\n")
    (HERE / ("atari_results-quick.md" if QUICK else "atari_results.md")).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
