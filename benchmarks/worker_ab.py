"""One worker's loop against the bare loop, with this checkout's a3c or another's: for before/after
comparisons of the worker's own overhead, alternated in one session.

    git worktree add /tmp/old <old commit>
    for i in 1 2; do OLD=/tmp/old python benchmarks/worker_ab.py 8; python benchmarks/worker_ab.py 8; done

Prints env steps per CPU-second (time.process_time) of the bare loop, the serial worker and the
Hogwild worker, and each worker's ratio to the bare loop measured in the same process.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

if os.environ.get("OLD"):  # the other checkout's package, ahead of this one's editable install
    sys.meta_path[:] = [finder for finder in sys.meta_path if "editable" not in repr(finder).lower()]
    sys.path.insert(0, os.environ["OLD"])
sys.path.insert(0, str(Path(__file__).parent))

import torch  # noqa: E402

import a3c  # noqa: E402
from worker_profile import default_config, rates  # noqa: E402

if __name__ == "__main__":
    torch.set_num_threads(1)
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 8.0
    bare, serial, hogwild = rates(default_config(), seconds)
    print(f"{Path(a3c.__file__).parent.parent}: bare {bare:,.0f}, serial {serial:,.0f} ({serial / bare:.2f}), "
          f"Hogwild {hogwild:,.0f} ({hogwild / bare:.2f}) env steps per CPU-second", flush=True)
