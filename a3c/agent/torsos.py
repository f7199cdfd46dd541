"""Torsos: what turns an observation into features for the heads (or for an LSTM before them).

Each returns (module, number of output features)."""
from __future__ import annotations

import math

import torch
from torch import nn


def init_linear(layer: nn.Module, gain: float) -> None:
    # Orthogonal init with a small policy-output gain starts the policy near uniform
    # (as in OpenAI Baselines and SB3), which matters more than any other init choice here.
    nn.init.orthogonal_(layer.weight, gain=gain)
    nn.init.zeros_(layer.bias)


class ScaleFrames(nn.Module):
    """uint8 Atari frames stay uint8 in rollouts (a quarter of the memory); scaled here."""

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return frames.float() / 255.0


def atari_torso(obs_shape: tuple[int, ...], fc_size: int) -> tuple[nn.Sequential, int]:
    """Mnih et al. 2016's Atari torso: conv 16 8x8/4, conv 32 4x4/2, fc (ReLU)."""
    channels = obs_shape[0]
    convs = [nn.Conv2d(channels, 16, kernel_size=8, stride=4), nn.ReLU(),
             nn.Conv2d(16, 32, kernel_size=4, stride=2), nn.ReLU(), nn.Flatten()]
    return _conv_torso([ScaleFrames(), *convs], obs_shape, fc_size)


def minatar_torso(obs_shape: tuple[int, ...], fc_size: int) -> tuple[nn.Sequential, int]:
    """Young and Tian 2019's MinAtar torso: one conv of 16 3x3 filters, stride 1, then fc (ReLU)."""
    convs = [nn.Conv2d(obs_shape[0], 16, kernel_size=3, stride=1), nn.ReLU(), nn.Flatten()]
    return _conv_torso(convs, obs_shape, fc_size)


def _conv_torso(convs: list[nn.Module], obs_shape: tuple[int, ...], fc_size: int) -> tuple[nn.Sequential, int]:
    conv_out = nn.Sequential(*convs)(torch.zeros(1, *obs_shape)).shape[-1]
    torso = nn.Sequential(*convs, nn.Linear(conv_out, fc_size), nn.ReLU())
    for layer in torso:
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            init_linear(layer, math.sqrt(2))
    return torso, fc_size


def mlp(in_dim: int, hidden_sizes: list[int], out_dim: int = 0, out_gain: float = 1.0) -> nn.Sequential:
    """Tanh layers of hidden_sizes, then a linear output of out_dim (none for 0) initialised
    with out_gain. Every layer is made before any is initialised, so that a fixed seed gives the
    default actor and critic the weights it always gave them."""
    layers: list[nn.Module] = []
    for width in hidden_sizes:
        layers += [nn.Linear(in_dim, width), nn.Tanh()]
        in_dim = width
    if out_dim:
        layers.append(nn.Linear(in_dim, out_dim))
    for layer in layers:
        if isinstance(layer, nn.Linear):
            init_linear(layer, math.sqrt(2))
    if out_dim:
        init_linear(layers[-1], out_gain)  # drawn once more: the weights fixed seeds always had
    return nn.Sequential(*layers)


def mlp_torso(obs_dim: int, hidden_sizes: list[int]) -> tuple[nn.Sequential, int]:
    return mlp(obs_dim, hidden_sizes), (hidden_sizes[-1] if hidden_sizes else obs_dim)
