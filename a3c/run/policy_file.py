"""The policy file: everything needed to play a trained agent and nothing that runs code.

A resume checkpoint (checkpoint.pt) pickles Python objects (env states, RNG states), so
loading one executes whatever its author put there. The policy file holds only tensors and
plain containers: the network's state dict, the run's config as dicts and lists, the
normalization statistics as tensors. torch.load(weights_only=True) reads it with an
unpickler that refuses every other type, so a tampered file is an error, never a program.
(safetensors would need the config in a second file; one .pt keeps a policy one file.)
"""
from __future__ import annotations

import pickle
from dataclasses import asdict
from pathlib import Path

import torch

from a3c.config.schema import Config
from a3c.run.checkpoint import save_atomically

POLICY_NAME = "policy.pt"  # the final policy of a run
BEST_POLICY_NAME = "best_policy.pt"  # the best one periodic evaluation found
FORMAT = "a3c-policy/1"


class PolicyFileError(ValueError):
    """A file that is not a policy this version can play: the message says which and why."""


def save_policy(path: Path, model: torch.nn.Module, cfg: Config, normalizer_state: dict | None,
                global_step: int) -> None:
    """normalizer_state: Normalizer.state_dict() of the statistics the model was trained with."""
    payload = {
        "format": FORMAT,
        "model": {name: tensor.detach().clone() for name, tensor in model.state_dict().items()},
        "config": asdict(cfg),
        "normalizer": normalizer_state,
        "global_step": int(global_step),
    }
    save_atomically(path, payload)  # a kill mid-write never leaves half a policy


def _starts_as_torch_save_does(path: Path) -> bool:
    """torch.save writes a zip archive: a file that does not start as one (a text file) is none of
    its; one that does but is cut short is a damaged one, which torch.load names."""
    try:
        with open(path, "rb") as file:
            return file.read(4) == b"PK\x03\x04"
    except OSError:  # missing, a directory, no permission: torch.load says which
        return True


def load_policy(path: Path) -> dict:
    """The payload of a policy file, read without executing anything it contains."""
    if not _starts_as_torch_save_does(path):
        raise PolicyFileError(f"{path} is not a readable policy file (not a file torch.save wrote)")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:  # what the weights-only unpickler raises for any other type
        raise PolicyFileError(
            f"{path} is not a weights-only a3c policy file: it holds objects other than tensors and plain "
            f"containers (a resume checkpoint, or a tampered file); nothing in it was run") from None
    except Exception as err:  # noqa: BLE001 - a damaged or foreign file
        raise PolicyFileError(f"{path} is not a readable policy file (damaged, or not a torch file: {type(err).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise PolicyFileError(f"{path} is not an a3c policy file (expected format {FORMAT!r})")
    return payload
