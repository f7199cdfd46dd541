"""Imported by the Hogwild fork server alone (processes.PRELOAD), never by a run's main process:
when the run ends, the server ends without the interpreter's teardown of torch and the rest,
which takes about a second and holds the run's stderr open, so that a caller reading it (a
test, a pipe) waits that long after the run has exited. Its workers are forked from it and
end through os._exit already; they do not run its exit handlers."""
import atexit
import os

# Registered first, at the server's start: run last of its exit handlers, after multiprocessing's own.
atexit.register(os._exit, 0)
