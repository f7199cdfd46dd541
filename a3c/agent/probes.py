"""Live probes of the network's health, logged beside the losses.

A ReLU unit whose input stays negative never fires again and gets no gradient: when most of the
actor's torso units do, the heads see a constant whatever the observation (experiments/atari:
the 16-worker Pong run that died with 99% of its fc units silent). The fraction of torso units
that were inactive on every sample of a rollout shows that within minutes of a run.
"""
from __future__ import annotations

import torch
from torch import nn

INACTIVE_UNITS = "probes/actor_inactive_units"


def relu_torso(model: nn.Module) -> nn.Module | None:
    """The actor's torso when its output is a ReLU's (the conv agents), else None: tanh units
    do not die, and the MLP agents have no separate torso."""
    body = getattr(model, "actor_body", None)
    torso = getattr(body, "torso", None)
    if isinstance(torso, nn.Sequential) and isinstance(torso[-1], nn.ReLU):
        return torso
    return None


@torch.no_grad()
def inactive_unit_fraction(model: nn.Module, obs: torch.Tensor) -> float | None:
    """The fraction of the actor torso's units that are zero for every observation of a batch
    (N, *obs_shape), or None for a network without a ReLU torso."""
    torso = relu_torso(model)
    if torso is None:
        return None
    return float((torso(obs) <= 0).all(dim=0).float().mean())
