"""Optimizers whose statistics live in shared memory, so every Hogwild worker updates the
same RMSProp mean-square (or Adam moments): the paper's "shared RMSProp" (Mnih et al. 2016,
Section 4 and Supplementary 7), which it found more robust than per-thread statistics."""
from __future__ import annotations

import torch

from a3c.config import AlgoConfig


def make_optimizer(params, algo: AlgoConfig) -> torch.optim.Optimizer:
    if algo.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=algo.lr, alpha=algo.rmsprop_alpha, eps=algo.optimizer_eps)
    if algo.optimizer == "adam":
        return torch.optim.Adam(params, lr=algo.lr, eps=algo.optimizer_eps)
    if algo.optimizer == "sgd":
        return torch.optim.SGD(params, lr=algo.lr)
    raise ValueError(f"unknown optimizer {algo.optimizer!r}")


def initialize_state(optimizer: torch.optim.Optimizer) -> None:
    """Create the optimizer's per-parameter state now rather than at its first step.

    A step with all-zero gradients creates exactly the state torch would create lazily and
    moves no parameter (RMSProp and Adam scale a zero gradient to a zero update); the step
    counters it advanced are set back to 0.
    """
    params = [p for group in optimizer.param_groups for p in group["params"]]
    saved = [p.grad for p in params]
    for p in params:
        p.grad = torch.zeros_like(p)
    optimizer.step()
    for p, grad in zip(params, saved):
        p.grad = grad
    for state in optimizer.state.values():
        if "step" in state:
            state["step"].zero_() if torch.is_tensor(state["step"]) else state.update(step=0)


def share_state(optimizer: torch.optim.Optimizer) -> list[dict]:
    """Move the optimizer's state into shared memory; returns it in parameter order."""
    initialize_state(optimizer)
    states = []
    for group in optimizer.param_groups:
        for p in group["params"]:
            state = optimizer.state[p]
            for value in state.values():
                if torch.is_tensor(value):
                    value.share_memory_()
            states.append(state)
    return states


def attach_state(optimizer: torch.optim.Optimizer, states: list[dict]) -> None:
    """Point a worker's optimizer at the shared state (same parameter order as share_state)."""
    params = [p for group in optimizer.param_groups for p in group["params"]]
    if len(params) != len(states):
        raise ValueError(f"optimizer has {len(params)} parameters but {len(states)} shared states")
    for p, state in zip(params, states):
        optimizer.state[p] = state
