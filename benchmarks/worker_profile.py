"""Where a Hogwild worker's time goes, against the serial worker and the bare loop: one worker's
loop run in this process for a fixed time, with cProfile, in three forms.

- serial: a Learner on the global model itself (what workers=serial runs);
- hogwild: what one Hogwild process runs (a3c/run/hogwild_worker.py): the model and optimizer
  statistics in shared memory, a local copy synced from the global model every update, the
  gradients handed over, the shared step counter under its lock, a report put on a queue
  every train.log_every_updates updates (a reader thread drains it, as the parent does);
- the bare loop (benchmarks/ceiling.py), for the ceiling.

    python benchmarks/worker_profile.py [seconds] > benchmarks/worker_profile.md

One process, one thread, nothing else of ours running: the difference between the forms is
the worker's own overhead, not the machine's other load. Prints env steps per CPU-second of each and the
functions where the Hogwild form spends its time.
"""
from __future__ import annotations

import cProfile
import io
import pstats
import sys
import threading
import time
from pathlib import Path

import torch
import torch.multiprocessing as mp

sys.path.insert(0, str(Path(__file__).parent))
from ceiling import bare_loop_sps  # noqa: E402

from a3c.agent.networks import build_model  # noqa: E402
from a3c.config.schema import Config  # noqa: E402
from a3c.envs import env_spaces  # noqa: E402
from a3c.learn.learner import Learner  # noqa: E402
from a3c.learn.shared_optim import make_optimizer  # noqa: E402
from a3c.run.messages import Report  # noqa: E402


def default_config() -> Config:
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from a3c import CONF_DIR
    from a3c.config.schema import register_configs

    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return OmegaConf.to_object(compose("train", overrides=["logger=off"]))


def shared_model(cfg: Config, context=mp) -> tuple:
    """What the parent of a Hogwild run hands its workers: the global model and the optimizer
    statistics in shared memory, and the shared step counter (made by `context`, whose
    processes will use it)."""
    torch.manual_seed(0)
    model = build_model(cfg, *env_spaces(cfg.env))
    model.share_memory()
    return model, make_optimizer(model.parameters(), cfg.algo).share_memory(), context.Value("q", 0)


def loop(cfg: Config, hogwild: bool, seconds: float, profile: cProfile.Profile | None = None,
         clock=time.process_time, shared: tuple | None = None) -> float:
    """Env steps per second of `clock` of one worker's loop over `seconds` (after a one-second
    warm-up); by default per CPU-second of this process, which another load hardly changes.
    A Hogwild loop updates `shared` (from shared_model) when given, else a model of its own."""
    queue = mp.Queue()
    if hogwild:
        model, optim_state, counter = shared if shared is not None else shared_model(cfg)
        optimizer = make_optimizer(model.parameters(), cfg.algo)
        optimizer.attach(optim_state)
        threading.Thread(target=_drain, args=(queue,), daemon=True).start()
    else:
        torch.manual_seed(0)
        model = build_model(cfg, *env_spaces(cfg.env))
        optimizer, counter = make_optimizer(model.parameters(), cfg.algo), mp.Value("q", 0)
    learner = Learner(cfg, 0, model, optimizer, cfg.workers.envs_per_worker, local_copy=hogwild)
    report, steps, start = Report(0, 0), 0, clock()
    counted_from = None
    while True:
        now = clock()
        if counted_from is None and now - start >= 1.0:
            counted_from, steps = now, 0
            if profile is not None:
                profile.enable()
        if counted_from is not None and now - counted_from >= seconds:
            if profile is not None:
                profile.disable()
            learner.close()
            return steps / (now - counted_from)
        result = learner.update(counter.value)
        steps += result.n_transitions
        if hogwild:
            with counter.get_lock():
                counter.value += result.n_transitions
                global_step = counter.value
            report.add(global_step, result)
            if report.updates >= cfg.train.log_every_updates:
                queue.put(report)
                report = Report(0, global_step)


def _drain(queue) -> None:
    """The parent's part: read every report (until the queue closes at exit)."""
    try:
        while True:
            queue.get()
    except (EOFError, OSError):
        return


def top_functions(profile: cProfile.Profile, count: int = 18) -> str:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(count)
    text = out.getvalue()
    return text[text.index("ncalls"):].rstrip()


def rates(cfg: Config, seconds: float) -> tuple[float, float, float]:
    """Env steps per CPU-second of the bare loop, the serial worker and the Hogwild worker."""
    ceiling = bare_loop_sps(seconds=seconds, clock=time.process_time)
    return ceiling, loop(cfg, hogwild=False, seconds=seconds), loop(cfg, hogwild=True, seconds=seconds)


def main(seconds: float) -> None:
    torch.set_num_threads(1)
    cfg = default_config()
    ceiling, serial, hogwild = rates(cfg, seconds)
    profiles = {name: cProfile.Profile() for name in ("serial", "hogwild")}
    for name, profile in profiles.items():
        loop(cfg, hogwild=name == "hogwild", seconds=seconds, profile=profile)
    print(f"# One worker's loop, in one process ({seconds:.0f} s each; CartPole-v1, the default config)\n")
    print("Rates are env steps per CPU-second of the process (time.process_time), so another load on")
    print("the machine hardly moves them; the Hogwild form's CPU includes its queue-draining thread.\n")
    print("| loop | env steps per CPU-second | ratio to the bare loop |\n|---|---|---|")
    for name, sps in (("bare loop", ceiling), ("serial worker", serial), ("Hogwild worker", hogwild)):
        print(f"| {name} | {sps:,.0f} | {sps / ceiling:.2f} |")
    for name, profile in profiles.items():
        print(f"\n## {name}: the functions with the most own time (cProfile, tottime)\n\n```\n{top_functions(profile)}\n```")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 10.0)
