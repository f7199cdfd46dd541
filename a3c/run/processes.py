"""Where Hogwild processes come from: a fork server that imports what a worker needs once.

A spawned worker starts a fresh interpreter and imports torch, gymnasium and the package
again (about a second and a half each on our 2-core machine). A fork server does those
imports once, in parallel with the parent's own start-up (Preflight starts it as soon as
Hydra has composed the config), and then forks each worker ready to run. It forks from a
clean, single-threaded process, which forking the parent (with W&B's threads) would not be.
"""
from __future__ import annotations

import faulthandler
import multiprocessing
import os
import select
import signal
import threading
import time
from multiprocessing import forkserver, resource_tracker

START_METHOD = "forkserver"
PRELOAD = ["torch", "torch.multiprocessing", "a3c.run.hogwild_worker", "a3c.run.evaluate", "a3c.run.fork_server_exit"]
EXIT_ORPHANED = 3  # a child whose run's main process died


def become_child_of(main_pid: int) -> None:
    """What every Hogwild child (worker, evaluator) does first. Ctrl-C and a scheduler's SIGTERM
    reach the whole process group: the main process alone decides, sets stop_flag, and kills a
    child that does not stop. And the child dies with the main process however that dies
    (SIGKILL too): its parent is the fork server, which may outlive the main process for a
    while, so the child watches the main process itself."""
    import torch  # already imported in a worker: the fork server preloads it

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # the main process asks a stalled child where it is
    torch.set_num_threads(1)
    exit_with(main_pid)


def exit_with(pid: int) -> None:
    """Exit this process at once when process `pid` exits, however it dies (a watcher thread)."""
    threading.Thread(target=_exit_when_gone, args=(pid,), name="watch-main", daemon=True).start()


def _exit_when_gone(pid: int) -> None:
    try:
        handle = os.pidfd_open(pid)  # readable once the process has exited (Linux 5.3+)
    except (AttributeError, OSError):  # no pidfds, or the process is gone already
        while _alive(pid):
            time.sleep(0.5)
    else:
        select.select([handle], [], [])
    # At once, without Python's shutdown: that would wait for the queue's feeder thread, which
    # blocks for ever on a pipe that nobody reads any more.
    os._exit(EXIT_ORPHANED)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's: the pid was reused, so ours is gone
        return False
    return True


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


def worker_server_died() -> bool:
    """Whether the fork server this process started has died: its workers then read as exited
    with code 255 (multiprocessing learns a worker's end from the server), alive or not."""
    pid = forkserver._forkserver._forkserver_pid  # CPython's ForkServer has no public handle on its process
    return pid is not None and not _alive_child(pid)


def _alive_child(pid: int) -> bool:
    """Alive and not a zombie, read from /proc: reaping it here would leave multiprocessing's own wait without it."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


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
