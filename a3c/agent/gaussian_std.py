"""How a Gaussian policy's std is made (model.gaussian_std): the actor's own output (the
paper's, nothing to add here), a learned log-std apart from the state (StdParameter), or
gSDE's state-dependent noise (StateDependentNoise). Either module wraps the actor's mean
network so that the head (a3c/agent/distributions.py, GaussianHead) reads one tensor whichever way."""
from __future__ import annotations

import torch
from torch import nn

from a3c.agent.distributions import action_head
from a3c.config.schema import ModelConfig


class StdParameter(nn.Module):
    """Appends a learned log-std, the same for every state, to the means the actor outputs:
    the head then reads (means, raw std) whichever way the std was made."""

    def __init__(self, mean_net: nn.Module, action_dim: int, log_std_init: float):
        super().__init__()
        self.mean_net = mean_net
        self.log_std = nn.Parameter(torch.full((action_dim,), float(log_std_init)))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        mean = self.mean_net(features)
        return torch.cat([mean, self.log_std.expand_as(mean)], dim=-1)


class StateDependentNoise(nn.Module):
    """gSDE (Raffin et al. 2022, "Smooth Exploration for Robotic Reinforcement Learning"), as SB3
    implements it by default. The noise is latent(s) @ E, where latent(s) are the features the
    mean is computed from and E ~ N(0, exp(log_std)^2) is one (features x actions) matrix per
    env, drawn afresh at the start of each rollout (reset_noise): within a rollout an env
    explores smoothly, as a function of the state, instead of jittering at every step. The
    policy is Normal(mean(s), sqrt(latent(s)^2 @ exp(log_std)^2)); the latent is detached
    there, so the std learns through log_std only (SB3's learn_features=False)."""

    def __init__(self, latent_net: nn.Module, mean_layer: nn.Linear, log_std_init: float):
        super().__init__()
        self.latent_net, self.mean = latent_net, mean_layer
        self.log_std = nn.Parameter(torch.full((mean_layer.in_features, mean_layer.out_features), float(log_std_init)))
        self.exploration: torch.Tensor | None = None  # (envs, features, actions); not a parameter, not saved

    def reset_noise(self, n_envs: int) -> None:
        std = self.log_std.detach().exp().expand(n_envs, *self.log_std.shape)
        self.exploration = torch.normal(torch.zeros_like(std), std)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        latent = self.latent_net(features)
        mean = self.mean(latent)
        latent = latent.detach()
        variance = latent.pow(2) @ self.log_std.exp().pow(2)
        log_std = 0.5 * torch.log(variance + 1e-6)  # SB3's epsilon: a zero latent keeps a finite log-prob
        if self.exploration is None or self.exploration.shape[0] != latent.shape[0]:
            self.reset_noise(latent.shape[0])  # a batch the last reset did not foresee (e.g. the loss's)
        noise = torch.bmm(latent.unsqueeze(1), self.exploration).squeeze(1)
        return torch.cat([mean, log_std, noise], dim=-1)


def head_and_actor(action_space, model_cfg: ModelConfig, make_actor):
    """The action head, and the actor network that feeds it: make_actor(n_outputs) builds the
    network, which outputs every head input when the std is its output (the paper's Gaussian)."""
    head = action_head(action_space, model_cfg.gaussian_std)
    if not getattr(head, "action_dim", None) or model_cfg.gaussian_std == "output":
        return head, make_actor(head.output_size)
    mean_net = make_actor(head.action_dim)
    if model_cfg.gaussian_std == "parameter":
        return head, StdParameter(mean_net, head.action_dim, model_cfg.log_std_init)
    latent_net, mean_layer = (mean_net[:-1], mean_net[-1]) if isinstance(mean_net, nn.Sequential) else (nn.Identity(), mean_net)
    return head, StateDependentNoise(latent_net, mean_layer, model_cfg.log_std_init)
