"""Checkpoints, written atomically: a kill mid-write never leaves a half file behind."""
from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import torch

from a3c.config import Config


def save_checkpoint(path: Path, model, optimizer, global_step: int, cfg: Config) -> None:
    payload = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "global_step": global_step,
        "config": asdict(cfg),
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=False)
