"""Optimizers whose statistics live in shared memory, so every Hogwild worker updates the
same RMSProp mean-square (or Adam moments): the paper's "shared RMSProp" (Mnih et al. 2016,
Section 4 and Supplementary 7), which it found more robust than per-thread statistics.

Written out rather than taken from torch.optim: the state is created at construction, where
shared memory needs it, instead of lazily at the first step, and constructing a torch.optim
optimizer imports torch._dynamo (about 70 MiB per worker process). The update rules are
torch.optim's own (RMSprop without momentum or centering, Adam without amsgrad);
tests/test_shared_optim.py checks them against torch.optim step by step. rmsprop_paper is
the paper's own rule (eps inside the square root), checked against the formula by hand.
"""
from __future__ import annotations

import math

import torch

from a3c.config.schema import AlgoConfig


class SharedOptimizer:
    state_names: tuple[str, ...] = ()

    def __init__(self, params, lr: float):
        self.params = list(params)
        self.lr = lr
        self.state = [{name: torch.zeros_like(p) for name in self.state_names} for p in self.params]

    def share_memory(self) -> list[dict]:
        """Move the statistics into shared memory; returns them in parameter order."""
        for state in self.state:
            for tensor in state.values():
                tensor.share_memory_()
        return self.state

    def attach(self, states: list[dict]) -> None:
        """Use statistics shared by another process (same parameter order)."""
        if len(states) != len(self.params):
            raise ValueError(f"optimizer has {len(self.params)} parameters but {len(states)} shared states")
        self.state = states

    @torch.no_grad()
    def step(self) -> None:
        for param, state in zip(self.params, self.state):
            if param.grad is not None:
                self._update(param, param.grad, state)

    def _update(self, param: torch.Tensor, grad: torch.Tensor, state: dict) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict:
        return {"lr": self.lr, "state": [{k: v.clone() for k, v in s.items()} for s in self.state]}

    def load_state_dict(self, saved: dict) -> None:
        self.lr = saved["lr"]
        for state, saved_state in zip(self.state, saved["state"]):
            for name, tensor in state.items():
                tensor.copy_(saved_state[name])


class RMSprop(SharedOptimizer):
    state_names = ("square_avg",)

    def __init__(self, params, lr: float, alpha: float, eps: float):
        super().__init__(params, lr)
        self.alpha, self.eps = alpha, eps

    def _update(self, param, grad, state) -> None:
        square_avg = state["square_avg"]
        square_avg.mul_(self.alpha).addcmul_(grad, grad, value=1 - self.alpha)
        param.addcdiv_(grad, square_avg.sqrt().add_(self.eps), value=-self.lr)


class PaperRMSprop(RMSprop):
    """The paper's RMSProp (Mnih et al. 2016, Supplementary eq. S2/S3): eps inside the root,
    theta <- theta - lr * g / sqrt(v + eps), v <- alpha * v + (1 - alpha) * g^2, with v
    updated before the step, as PFRL's RMSpropEpsInsideSqrt does.

    v starts at 0, as the paper and PFRL (which reproduces Pong with it) start it. TF's RMSProp
    starts it at 1 (SB3's RMSpropTFLike copies that) because with eps 1e-5 a v of 0 makes the
    first steps lr * g / |g| * 10 whatever g's scale; with eps 0.1 inside the root the first
    steps are bounded by lr * g / sqrt(0.1) and need no such guard.
    """

    def _update(self, param, grad, state) -> None:
        square_avg = state["square_avg"]
        square_avg.mul_(self.alpha).addcmul_(grad, grad, value=1 - self.alpha)
        param.addcdiv_(grad, square_avg.add(self.eps).sqrt_(), value=-self.lr)


class Adam(SharedOptimizer):
    state_names = ("step", "exp_avg", "exp_avg_sq")
    betas = (0.9, 0.999)

    def __init__(self, params, lr: float, eps: float):
        super().__init__(params, lr)
        self.eps = eps
        for state in self.state:
            state["step"] = torch.zeros(())

    def _update(self, param, grad, state) -> None:
        beta1, beta2 = self.betas
        state["step"] += 1
        step = float(state["step"])
        state["exp_avg"].lerp_(grad, 1 - beta1)
        state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        bias_correction1, bias_correction2 = 1 - beta1**step, 1 - beta2**step
        denom = (state["exp_avg_sq"].sqrt() / math.sqrt(bias_correction2)).add_(self.eps)
        param.addcdiv_(state["exp_avg"], denom, value=-self.lr / bias_correction1)


class SGD(SharedOptimizer):
    def _update(self, param, grad, state) -> None:
        param.add_(grad, alpha=-self.lr)


def make_optimizer(params, algo: AlgoConfig) -> SharedOptimizer:
    if algo.optimizer == "rmsprop":
        return RMSprop(params, lr=algo.lr, alpha=algo.rmsprop_alpha, eps=algo.optimizer_eps)
    if algo.optimizer == "rmsprop_paper":
        return PaperRMSprop(params, lr=algo.lr, alpha=algo.rmsprop_alpha, eps=algo.optimizer_eps)
    if algo.optimizer == "adam":
        return Adam(params, lr=algo.lr, eps=algo.optimizer_eps)
    if algo.optimizer == "sgd":
        return SGD(params, lr=algo.lr)
    raise ValueError(f"unknown optimizer {algo.optimizer!r}")
