"""Peak resident memory of a process tree, read from /proc while it runs (Linux)."""
from __future__ import annotations

import threading
from pathlib import Path


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _peak_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):  # the kernel's own high-water mark of RSS
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _role(pid: int, parent_role: str) -> str:
    """Hogwild workers are forked by the fork server (a3c/run/processes.py) and share its command
    line: a forkserver process is the server, a forkserver process under it a worker."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "other"
    if "forkserver" in cmdline:
        return "worker" if parent_role == "fork server" else "fork server"
    return "wandb" if "wandb" in cmdline else "other"


class PeakMemory:
    """Polls a process and its descendants; peaks[role] is the largest peak RSS seen (MiB)."""

    def __init__(self, root_pid: int, interval: float = 0.2):
        self.root_pid, self.interval = root_pid, interval
        self.peaks: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            pending, seen = [(self.root_pid, "")], set()
            while pending:
                pid, parent_role = pending.pop()
                if pid in seen:
                    continue
                seen.add(pid)
                role = "parent" if pid == self.root_pid else _role(pid, parent_role)
                peak = _peak_kib(pid)
                if peak is not None:
                    self.peaks[role] = max(self.peaks.get(role, 0.0), peak / 1024)
                pending += [(child, role) for child in _children(pid)]

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        return self.peaks
