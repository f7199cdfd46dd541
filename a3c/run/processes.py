"""Where Hogwild processes come from: a fork server that imports what a worker needs once.

A spawned worker starts a fresh interpreter and imports torch, gymnasium and the package
again (about a second and a half each on our 2-core machine). A fork server does those
imports once, in parallel with the parent's own start-up (Preflight starts it as soon as
Hydra has composed the config), and then forks each worker ready to run. It forks from a
clean, single-threaded process, which forking the parent (with W&B's threads) would not be.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
from multiprocessing import forkserver, resource_tracker

START_METHOD = "forkserver"
PRELOAD = ["torch", "torch.multiprocessing", "a3c.run.hogwild_worker", "a3c.run.evaluate"]


def worker_context():
    """The multiprocessing context that Hogwild workers and the evaluator are started from."""
    context = multiprocessing.get_context(START_METHOD)
    context.set_forkserver_preload(PRELOAD)
    return context


def start_worker_server() -> None:
    """Start the fork server now, so that its imports overlap the parent's. Ctrl-C pressed while
    it imports must not print its traceback: SIGINT is blocked while it starts, and the mask
    passes through exec to the server and through fork to the workers (the parent alone
    decides when they stop). In the parent a Ctrl-C of that moment waits, and arrives after."""
    worker_context()
    # The fork server starts the resource tracker first, if none runs yet, and that start
    # unblocks SIGINT on its way out (CPython's resource_tracker.ensure_running): started
    # here, before the mask, it is already running then and leaves the mask alone.
    resource_tracker.ensure_running()
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        forkserver.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def stop_worker_server() -> None:
    """End the fork server now, if this process started one (Ctrl-C during start-up): left to
    itself it would finish its imports before it noticed that the parent is gone."""
    server = forkserver._forkserver
    pid = server._forkserver_pid  # CPython's ForkServer has no public handle on its process
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    server._stop()  # closes its pipe and reaps it
