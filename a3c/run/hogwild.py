"""Hogwild mode: worker processes update the shared global model without locks, and the
parent process records what they send, watches them, and stops them."""
from __future__ import annotations

import os
import queue as queue_module
import signal
import sys
import time
import torch.multiprocessing as mp

from a3c.run import startup
from a3c.run.evaluate import evaluator_process
from a3c.run.hogwild_worker import hogwild_worker
from a3c.run.loop_context import LoopContext
from a3c.run.messages import Evaluation, ProcessFailed
from a3c.run.processes import start_worker_server, worker_context, worker_server_died
from a3c.run.recorder import RunRecorder
from a3c.run.stall_watch import StallWatch
from a3c.run.stopping import WORKERS_FINISHED, RunFailed

# How long stopped workers get to finish their update and flush the queue before termination.
JOIN_SECONDS = 10.0


def run_hogwild(ctx: LoopContext, eval_best: float | None) -> str:
    """Start the workers on the shared model (and the evaluator, which keeps its best greedy
    score so far, eval_best), record what they send until a stop condition, then stop them;
    returns why the run stopped."""
    if (reason := ctx.between_updates()) is not None:  # nothing left to train (a finished run run again)
        return reason
    if mp.get_start_method(allow_none=True) not in (None, "spawn", "fork", "forkserver"):
        # Inside a joblib launcher job the default is loky's own method, which a child is told
        # to restore and cannot; it only needs a standard name.
        mp.set_start_method("spawn", force=True)
    start_worker_server()  # already running when Preflight started it (a3c/cli/hooks.py)
    mp_ctx = worker_context()
    ctx.model.share_memory()
    shared_optim_state = ctx.optimizer.share_memory()
    normalizer = ctx.normalizer.share_memory_() if ctx.normalizer is not None else None
    # The stop is a lock-free flag, not an Event: a child killed while it held the Event's lock
    # (in wait(), or even in is_set()) would leave the main process's set() waiting for ever.
    step_counter, stop_flag, queue = mp_ctx.Value("q", ctx.recorder.global_step), mp_ctx.RawValue("b", 0), mp_ctx.Queue()
    updates = mp_ctx.RawArray("q", ctx.cfg.workers.count)  # each worker's finished updates, for the stall watch
    workers = [
        mp_ctx.Process(
            target=hogwild_worker,
            args=(os.getpid(), i, ctx.cfg, ctx.model, shared_optim_state, normalizer, step_counter, stop_flag, queue,
                  updates),
            name=f"worker-{i}",
            daemon=True,
        )
        for i in range(ctx.cfg.workers.count)
    ]
    if ctx.cfg.train.eval_every_steps:
        # A process of its own: playing episodes neither stalls a worker nor the parent's
        # draining of the queue. It reads the shared model, as the workers do.
        workers.append(mp_ctx.Process(
            target=evaluator_process,
            args=(os.getpid(), ctx.cfg, ctx.run_dir, ctx.model, normalizer, step_counter, stop_flag, queue,
                  ctx.recorder.global_step, eval_best),
            name="evaluator", daemon=True,
        ))
    for worker in workers:
        worker.start()
    startup.mark("workers_started")
    try:
        return _watch(workers, queue, ctx, StallWatch(updates, ctx.cfg.train.stall_minutes * 60))
    finally:
        stop_flag.value = 1
        _drain_and_join(workers, queue, ctx.recorder)


def _watch(workers: list, queue, ctx: LoopContext, stall_watch: StallWatch) -> str:
    """Record what the workers send until a stop condition; a dead or stalled worker ends the run."""
    while True:
        _consume(queue, ctx.recorder, timeout=0.2)
        dead = [w for w in workers if w.exitcode not in (None, 0)]
        if dead:
            _consume(queue, ctx.recorder, timeout=1.0)  # its own error message is likely on the way
            if worker_server_died():
                raise RunFailed("the workers' fork server died (killed from outside the run?): the workers cannot "
                                "be watched without it")
            raise RunFailed(f"{dead[0].name} died with exit code {dead[0].exitcode}")
        if (stall := stall_watch.stalled([w.exitcode is None for w in workers])) is not None:
            _stop_stalled(workers[stall[0]], stall[1], ctx.cfg.train.stall_minutes)
        if (reason := ctx.between_updates()) is not None:
            return reason
        if all(w.exitcode == 0 for w in workers if w.name != "evaluator"):
            return WORKERS_FINISHED


def _stop_stalled(worker, seconds: float, limit_minutes: float) -> None:
    """Print where the worker is stuck (its faulthandler, a3c/run/processes.py), kill it, fail."""
    try:
        os.kill(worker.pid, signal.SIGUSR1)
        time.sleep(1.0)  # its stack goes to stderr meanwhile, unless it is stopped
    except ProcessLookupError:
        pass
    worker.kill()
    raise RunFailed(f"{worker.name} made no update for {seconds:.0f} s (train.stall_minutes={limit_minutes:g}) and "
                    f"was killed; where it was stuck, if it could say, is printed above")


def _consume(queue, recorder: RunRecorder, timeout: float) -> None:
    """Record every message waiting (blocking up to timeout for the first one)."""
    try:
        message = queue.get(timeout=timeout)
        while True:
            if isinstance(message, ProcessFailed):
                print(message.trace, file=sys.stderr)
                raise RunFailed(f"{message.process} failed: {message.error}")
            if isinstance(message, Evaluation):
                recorder.record_eval(message.global_step, message.values)
            else:
                recorder.record(message)  # a Report
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
            worker.kill()
        worker.join(timeout=1.0)
    try:
        _consume(queue, recorder, timeout=0.0)
    except RunFailed:
        pass
