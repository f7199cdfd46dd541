"""What a training loop gets from its run, and nothing more: the global parts it trains, the
recorder its reports go to, and the one thing it asks between updates."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from torch import nn

from a3c.config.schema import Config
from a3c.envs.normalize import Normalizer
from a3c.learn.shared_optim import SharedOptimizer
from a3c.run.recorder import RunRecorder


@dataclass(frozen=True)
class LoopContext:
    cfg: Config
    run_dir: Path
    model: nn.Module  # the global model every worker updates
    optimizer: SharedOptimizer  # its statistics shared by every worker
    normalizer: Normalizer | None  # the one set of observation statistics, None when off
    recorder: RunRecorder
    # Saves a checkpoint when one is due, then says why to stop (None: go on); raises RunFailed.
    between_updates: Callable[[], str | None]
