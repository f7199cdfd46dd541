"""`a3c-train` / `python -m a3c`. Ctrl-C at any moment of start-up, even while the imports run,
ends with one line and exit 130, and takes the Hogwild fork server down with it."""
from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn


def main() -> None:
    code = 0
    try:
        _train()
    except SystemExit as stop:
        code = stop.code
    exit_now(code)


def exit_now(code) -> NoReturn:
    """Exit as Python would, without the interpreter's final teardown: every file and W&B run is
    closed by now, the exit handlers run here (logging, multiprocessing, W&B), and tearing down
    torch's modules only costs the command most of a second. Where a thread that is not a
    daemon still runs (a joblib launcher's executor), Python's own exit stops it first."""
    if any(thread.is_alive() and not thread.daemon for thread in threading.enumerate()
           if thread is not threading.main_thread()):
        sys.exit(code)
    if isinstance(code, str):  # sys.exit("message"), as Python prints it
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()  # what the interpreter runs at exit, before the teardown skipped here
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


def _train() -> None:
    try:
        from a3c.cli.typos import refuse_unknown_keys

        # conf/train.yaml's defaults name `experiment: null`, so experiment=<study> chooses one; the
        # `+experiment=<study>` users learnt first means the same, where Hydra would refuse it.
        sys.argv[1:] = [arg.removeprefix("+") if arg.startswith("+experiment=") else arg for arg in sys.argv[1:]]
        refuse_unknown_keys(sys.argv[1:])  # before Hydra composes, or makes any directory
        from a3c.cli.train import main as train_app  # Hydra and the package load inside the guard

        train_app()
    except KeyboardInterrupt:
        from a3c.run import startup
        from a3c.run.processes import stop_worker_server

        stop_worker_server()
        search = sys.modules.get("a3c.cli.search")
        if search is not None and search.resume_hint:  # an Optuna search (its jobs say where they stopped)
            print(f"\ninterrupted: {search.resume_hint}", file=sys.stderr)
            sys.exit(130)
        before = "" if "first_step" in startup.marks() else " during start-up, before any training step"
        print(f"\ninterrupted{before}", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
