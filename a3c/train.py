"""run(cfg): build the global model, run the workers in the chosen mode, write the results."""
from __future__ import annotations

import json
import queue as queue_module
import sys
import time
import traceback
from pathlib import Path

import torch
import torch.multiprocessing as mp

from a3c.checkpoint import save_checkpoint
from a3c.config import Config
from a3c.envs import make_env
from a3c.recorder import RunRecorder
from a3c.shared_optim import make_optimizer
from a3c.tracking import make_tracker
from a3c.worker import Learner, Report, build_model, hogwild_worker

# How long stopped workers get to finish their update and flush the queue before termination.
JOIN_SECONDS = 10.0


class RunFailed(RuntimeError):
    """The run cannot go on: a worker died, or too many updates were not finite."""


def run(cfg: Config, run_dir: Path) -> dict:
    """Train until solved or out of budget; write metrics.jsonl, summary.json, checkpoint.pt."""
    run_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(cfg.train.seed)
    model = _build_global_model(cfg)
    optimizer = make_optimizer(model.parameters(), cfg.algo)
    tracker = make_tracker(cfg, run_dir)
    recorder = RunRecorder(run_dir, cfg, tracker)
    stop_reason, exit_code = "error", 1
    try:
        if cfg.workers.mode == "hogwild":
            stop_reason = _run_hogwild(cfg, model, optimizer, recorder)
        else:
            stop_reason = _run_in_process(cfg, model, optimizer, recorder)
        exit_code = 0
    except KeyboardInterrupt:
        stop_reason = "interrupted"
        raise
    except RunFailed as err:
        stop_reason = str(err)
        raise
    finally:
        recorder.close()
        summary = recorder.summary(stop_reason)
        (run_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        save_checkpoint(run_dir / "checkpoint.pt", model, optimizer, recorder.global_step, cfg)
        tracker.summary(summary)
        tracker.finish(exit_code)
    return summary


def _build_global_model(cfg: Config):
    env = make_env(cfg.env, seed=cfg.train.seed)
    obs_dim, n_actions = env.observation_space.shape[0], int(env.action_space.n)
    env.close()
    return build_model(cfg, obs_dim, n_actions)


def _run_in_process(cfg: Config, model, optimizer, recorder: RunRecorder) -> str:
    """serial: the workers take turns; sync (A2C): all their envs feed one combined update."""
    torch.set_num_threads(1)  # tiny networks: extra threads only add overhead
    count, per_worker = cfg.workers.count, cfg.workers.envs_per_worker
    if cfg.workers.mode == "sync":
        learners = [Learner(cfg, 0, model, optimizer, count * per_worker)]
    else:
        learners = [Learner(cfg, i, model, optimizer, per_worker) for i in range(count)]
    global_step = 0
    try:
        while (reason := _stop_reason(recorder)) is None:
            for learner in learners:
                result = learner.update(global_step)
                global_step += result.n_transitions
                report = Report(learner.index, global_step)
                report.add(global_step, result)
                recorder.record(report)
        return reason
    finally:
        for learner in learners:
            learner.close()


def _run_hogwild(cfg: Config, model, optimizer, recorder: RunRecorder) -> str:
    if mp.get_start_method(allow_none=True) not in (None, "spawn", "fork", "forkserver"):
        # Inside a joblib launcher job the default is loky's own method, which a spawned child
        # is told to restore and cannot; it only needs a standard name.
        mp.set_start_method("spawn", force=True)
    ctx = mp.get_context("spawn")
    model.share_memory()
    shared_optim_state = optimizer.share_memory()
    step_counter, stop_event, queue = ctx.Value("q", 0), ctx.Event(), ctx.Queue()
    workers = [
        ctx.Process(
            target=hogwild_worker,
            args=(i, cfg, model, shared_optim_state, step_counter, stop_event, queue),
            name=f"worker-{i}",
            daemon=True,
        )
        for i in range(cfg.workers.count)
    ]
    for worker in workers:
        worker.start()
    try:
        return _watch(workers, queue, recorder)
    finally:
        stop_event.set()
        _drain_and_join(workers, queue, recorder)


def _watch(workers: list, queue, recorder: RunRecorder) -> str:
    """Record what the workers send until a stop condition; a dead worker ends the run."""
    while True:
        _consume(queue, recorder, timeout=0.2)
        dead = [w for w in workers if w.exitcode not in (None, 0)]
        if dead:
            _consume(queue, recorder, timeout=1.0)  # its own error message is likely on the way
            raise RunFailed(f"{dead[0].name} died with exit code {dead[0].exitcode}")
        if (reason := _stop_reason(recorder)) is not None:
            return reason
        if all(w.exitcode == 0 for w in workers):
            return "workers finished"


def _stop_reason(recorder: RunRecorder) -> str | None:
    if (failure := recorder.failure()) is not None:
        raise RunFailed(failure)
    return recorder.should_stop()


def _consume(queue, recorder: RunRecorder, timeout: float) -> None:
    """Record every message waiting (blocking up to timeout for the first one)."""
    try:
        message = queue.get(timeout=timeout)
        while True:
            if isinstance(message, tuple) and message[0] == "error":
                _, index, error, trace = message
                print(trace, file=sys.stderr)
                raise RunFailed(f"worker-{index} failed: {error}")
            recorder.record(message)
            message = queue.get_nowait()
    except queue_module.Empty:
        pass


def _drain_and_join(workers: list, queue, recorder: RunRecorder) -> None:
    deadline = time.monotonic() + JOIN_SECONDS
    while any(w.is_alive() for w in workers) and time.monotonic() < deadline:
        try:
            _consume(queue, recorder, timeout=0.1)
        except RunFailed:
            pass  # already stopping; a worker failing on the way out changes nothing
    for worker in workers:
        if worker.is_alive():
            worker.terminate()
        worker.join(timeout=1.0)
    try:
        _consume(queue, recorder, timeout=0.0)
    except RunFailed:
        pass
