"""`make bench` (its last part), `make bench-atari`: frames per second of one worker on Atari Pong with each env backend
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
import torch
from bench import QUICK, machine, run_ours, section
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from a3c import CONF_DIR
from a3c.agent.networks import build_model
from a3c.config.schema import EnvConfig, register_configs
from a3c.envs import env_spaces, make_env_batch
from a3c.learn.learner import Learner
from a3c.learn.shared_optim import make_optimizer

HERE = Path(__file__).resolve().parent
FRAME_SKIP = 4
STEPS = 4_000 if QUICK else 40_000


BACKENDS = ("gymnasium", "envpool")


def emulator_sps(backend: str, n_envs: int, seconds: float) -> tuple[float, float]:
    """Agent steps of the preprocessed envs alone, random actions, no network: per wall-second,
    and per CPU-second of this process (time.process_time, envpool's thread included), the clock
    frames_per_cpu_second times the worker's loop by."""
    envs = make_env_batch(EnvConfig(id="ALE/Pong-v5", backend=backend), seeds=list(range(n_envs)))
    rng = np.random.default_rng(0)
    steps, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        envs.step(rng.integers(envs.action_space.n, size=n_envs))
        steps += n_envs
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    envs.close()
    return steps / wall, steps / cpu


def one_worker(backend: str, model: str, envs_per_worker: int, steps: int) -> float:
    run = run_ours("env=pong", f"env.backend={backend}", f"model={model}", "workers=serial", "workers.count=1",
                   f"workers.envs_per_worker={envs_per_worker}", "logger=off", "train.target_return=null",
                   f"train.total_steps={steps}", "train.log_every_updates=20")
    return run["steady_sps"]


def frames_per_cpu_second(backend: str, model: str, envs_per_worker: int, updates: int) -> float:
    """The worker's own loop (Learner.update) in this process: frames per CPU-second of the process,
    the envpool thread included. Unlike frames/s, other jobs on the machine barely move it."""
    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = OmegaConf.to_object(compose("train", overrides=[
            "env=pong", f"env.backend={backend}", f"model={model}", "workers=serial",
            f"workers.envs_per_worker={envs_per_worker}"]))
    torch.set_num_threads(1)
    global_model = build_model(cfg, *env_spaces(cfg.env))
    learner = Learner(cfg, 0, global_model, make_optimizer(global_model.parameters(), cfg.algo), envs_per_worker)
    for _ in range(10):  # warm-up
        learner.update(0)
    steps, start = 0, time.process_time()
    for _ in range(updates):
        steps += learner.update(0).n_transitions
    seconds = time.process_time() - start
    learner.close()
    return steps * FRAME_SKIP / seconds


def rows_for(loop: str, envs_per_worker: int, sps: dict) -> list[list[str]]:
    speedup = sps["envpool"] / sps["gymnasium"]
    return [[loop, backend, str(envs_per_worker), f"{sps[backend]:,.0f}", f"{sps[backend] * FRAME_SKIP:,.0f}",
             f"{speedup:.2f}" if backend == "envpool" else "1.00"] for backend in BACKENDS]


def main() -> None:
    started = time.time()
    print("1/3 the emulator alone, each backend", flush=True)
    emulator = {backend: emulator_sps(backend, n_envs=8, seconds=2.0 if QUICK else 15.0) for backend in BACKENDS}
    ceiling = {backend: per_wall for backend, (per_wall, _) in emulator.items()}
    emulator_cpu = {backend: per_cpu * FRAME_SKIP for backend, (_, per_cpu) in emulator.items()}
    rows = rows_for("emulator + preprocessing alone, random actions (ceiling)", 8, ceiling)
    print("2/3 one training worker (serial mode, 1 process), each backend", flush=True)
    for model in ("atari_cnn", "atari_cnn_lstm"):
        for envs_per_worker, steps in ((1, STEPS // 4), (8, STEPS)):
            sps = {backend: one_worker(backend, model, envs_per_worker, steps) for backend in BACKENDS}
            rows += rows_for(f"A3C worker, model={model}", envs_per_worker, sps)
    print("3/3 CPU cost of one training worker's loop, each backend", flush=True)
    # The emulator alone, per CPU-second: the ceiling of the worker loops below on the same clock.
    cpu_rows = [["emulator + preprocessing alone, random actions (ceiling)", backend, "8", f"{emulator_cpu[backend]:,.0f}",
                 f"{emulator_cpu['envpool'] / emulator_cpu['gymnasium']:.2f}" if backend == "envpool" else "1.00"] for backend in BACKENDS]
    for model in ("atari_cnn", "atari_cnn_lstm"):
        cpu = {backend: frames_per_cpu_second(backend, model, 8, 20 if QUICK else 150) for backend in BACKENDS}
        cpu_rows += [[f"A3C worker loop, model={model}", backend, "8", f"{cpu[backend]:,.0f}",
                      f"{cpu['envpool'] / cpu['gymnasium']:.2f}" if backend == "envpool" else "1.00"] for backend in BACKENDS]
    text = (f"# Atari benchmark\n\nOne `benchmarks/atari.py` run (`make bench` or `make bench-atari`) on {machine()}. Every number below comes from this run.\n\n"
            + section("Frames per second of one worker on Pong (ALE/Pong-v5, DeepMind preprocessing, 5-step updates)",
                      ["loop", "env.backend", "envs per worker", "agent steps/s", "frames/s", "envpool / gymnasium"], rows)
            + "\nSteady rates, start-up left out; envpool steps a worker's envs in one C++ thread while the worker waits."
            " Every rate in this table is per wall-second.\n\n"
            + section("Frames per CPU-second: the emulator alone (the same run as above) and one worker's loop (Learner.update in one process, 150 updates after 10)",
                      ["loop", "env.backend", "envs per worker", "frames per CPU-second", "envpool / gymnasium"], cpu_rows)
            + "\nCPU time of the whole process (envpool's thread included): what a worker gets from a core of its own."
            + f"\nTotal benchmark time: {(time.time() - started) / 60:.1f} minutes.\n")
    (HERE / ("atari_results-quick.md" if QUICK else "atari_results.md")).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
