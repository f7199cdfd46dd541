"""How much of a CartPole worker's time the env takes, and what a vectorized env could save.

Issue 29 asked for a faster env layer for classic control where the env is the limit. Per
CPU-second of this one process (time.process_time, which another load on the machine hardly
moves), 4 CartPole-v1 envs each:
- the bare A2C loop (ceiling.py): env, network and update;
- our EnvBatch alone, random actions: what a worker's env stepping costs;
- gymnasium's vectorized CartPole (make_vec, vector_entry_point: numpy over all envs at once);
- envpool's CartPole (C++, one thread).

The env's share of the loop is bare / EnvBatch (rates); another env saves that share times
(1 - its cost per step / EnvBatch's), or adds to it where it costs more.

    python benchmarks/env_share.py [seconds]   # writes benchmarks/env_share.md (make bench runs it)
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import QUICK, machine  # noqa: E402
from ceiling import N_ENVS, bare_loop_sps  # noqa: E402

from a3c.config.schema import EnvConfig  # noqa: E402
from a3c.envs.batch import EnvBatch  # noqa: E402


def steps_per_cpu_second(step, seconds: float) -> float:
    """Env steps per CPU-second of step(), which steps N_ENVS envs once."""
    start, calls = time.process_time(), 0
    while time.process_time() - start < seconds:
        for _ in range(100):
            step()
        calls += 100
    return calls * N_ENVS / (time.process_time() - start)


def env_batch_rate(seconds: float) -> float:
    batch = EnvBatch(EnvConfig(id="CartPole-v1"), seeds=list(range(N_ENVS)))
    rng = np.random.default_rng(0)
    return steps_per_cpu_second(lambda: batch.step(rng.integers(0, 2, N_ENVS)), seconds)


def vector_env_rate(seconds: float) -> float:
    envs = gym.make_vec("CartPole-v1", num_envs=N_ENVS, vectorization_mode="vector_entry_point")
    envs.reset(seed=0)
    rng = np.random.default_rng(0)
    return steps_per_cpu_second(lambda: envs.step(rng.integers(0, 2, N_ENVS)), seconds)


def envpool_rate(seconds: float) -> float:
    import envpool

    envs = envpool.make("CartPole-v1", env_type="gymnasium", num_envs=N_ENVS, num_threads=1, seed=0)
    envs.reset()
    rng = np.random.default_rng(0)
    return steps_per_cpu_second(lambda: envs.step(rng.integers(0, 2, N_ENVS).astype(np.int32)), seconds)


def main(seconds: float) -> None:
    bare = bare_loop_sps(seconds, clock=time.process_time)
    ours = env_batch_rate(seconds)
    others = {"gymnasium vectorized CartPole alone": vector_env_rate(seconds), "envpool CartPole alone": envpool_rate(seconds)}
    share = bare / ours
    lines = ["# The env's share of a CartPole worker", "", f"Machine: {machine()}. {N_ENVS} CartPole-v1 envs, "
             f"{seconds:g} CPU-seconds per loop (`python benchmarks/env_share.py {seconds:g}`).", "",
             "| loop | env steps per CPU-second | µs per env step |", "|---|---|---|"]
    for name, rate in {"bare A2C loop (env + network + update)": bare, "EnvBatch alone": ours, **others}.items():
        lines.append(f"| {name} | {rate:,.0f} | {1e6 / rate:.1f} |")
    lines += ["", f"The env's share of the bare loop: {share:.1%}."]
    for name, rate in others.items():
        saving = share * (1 - ours / rate)  # negative where the other env costs more per step
        lines.append(f"- In its place, {name.removesuffix(' alone')} would change the loop's CPU time by {-saving:+.1%}.")
    text = "\n".join(lines) + "\n"
    (HERE / ("env_share-quick.md" if QUICK else "env_share.md")).write_text(text)
    print(text)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else (1.0 if QUICK else 8.0))
