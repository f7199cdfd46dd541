"""Action heads: how the actor's output becomes actions, log-probabilities and entropy.

The head is chosen from the environment's action space (Discrete: categorical over logits;
Box: diagonal Gaussian), never by hand.
"""
from __future__ import annotations

import math

import gymnasium as gym
import torch
from torch.nn import functional as F

MIN_STD = 1e-3  # keeps log pi finite when the policy grows confident (gSDE: a floor on its variance instead)


class CategoricalHead:
    def __init__(self, space: gym.spaces.Discrete):
        self.n_actions = int(space.n)
        self.output_size = self.n_actions

    def sample(self, logits: torch.Tensor) -> torch.Tensor:
        return torch.multinomial(torch.softmax(logits, dim=-1), 1).squeeze(-1)

    def mode(self, logits: torch.Tensor) -> torch.Tensor:
        """The most probable action: what a greedy evaluation plays."""
        return logits.argmax(dim=-1)

    def log_prob(self, logits: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        return torch.log_softmax(logits, dim=-1).gather(-1, actions.long().unsqueeze(-1)).squeeze(-1)

    def entropy(self, logits: torch.Tensor) -> torch.Tensor:
        log_probs = torch.log_softmax(logits, dim=-1)
        return -(log_probs.exp() * log_probs).sum(-1)


class GaussianHead:
    """A diagonal Gaussian; its input is the means, then one raw std value per action dimension.
    Actions are sampled unbounded and clipped to the space's bounds only when the env steps.

    std="output": the actor outputs the raw std too, std = softplus(raw), after Mnih et al. 2016
    (Section 5.2: a linear mean and a softplus output, there the variance σ², here σ itself:
    the same Gaussians, parametrized differently).
    std="parameter": the raw std is a log-std learned apart from the state, std = exp(raw), as
    SB3 and most PPO/A2C ports do (the network appends it: a3c/agent/gaussian_std.py, StdParameter).
    std="sde": generalized state-dependent exploration (gSDE, Raffin et al. 2022), as the RL
    Zoo's A2C on Pendulum: the raw std is a log-std that depends on the state, and a third
    block of the input is the exploration noise itself, which sampling adds to the mean
    (a3c/agent/gaussian_std.py, StateDependentNoise)."""

    def __init__(self, space: gym.spaces.Box, std: str = "output"):
        self.action_dim = int(space.shape[0])
        self.output_size = 2 * self.action_dim  # what an actor outputs when the std is its output
        self.std_from_raw = F.softplus if std == "output" else torch.exp
        self.noise_given = std == "sde"

    def _mean_std(self, output: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, raw_std = output.split(self.action_dim, dim=-1)[:2]
        if self.noise_given:  # gSDE's std is the one its noise is drawn with (its floor: SB3's, in the variance)
            return mean, torch.exp(raw_std)
        return mean, self.std_from_raw(raw_std) + MIN_STD

    def sample(self, output: torch.Tensor) -> torch.Tensor:
        mean, std = self._mean_std(output)
        if self.noise_given:
            return mean + output[..., 2 * self.action_dim:]
        return mean + std * torch.randn_like(mean)

    def mode(self, output: torch.Tensor) -> torch.Tensor:
        """The mean action: what a greedy evaluation plays."""
        return self._mean_std(output)[0]

    def log_prob(self, output: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        mean, std = self._mean_std(output)
        z = (actions - mean) / std
        return (-0.5 * z.pow(2) - std.log() - 0.5 * math.log(2 * math.pi)).sum(-1)

    def entropy(self, output: torch.Tensor) -> torch.Tensor:
        _, std = self._mean_std(output)
        return (0.5 + 0.5 * math.log(2 * math.pi) + std.log()).sum(-1)


def action_head(space: gym.Space, gaussian_std: str = "output") -> CategoricalHead | GaussianHead:
    if isinstance(space, gym.spaces.Discrete):
        return CategoricalHead(space)
    if isinstance(space, gym.spaces.Box) and len(space.shape) == 1:
        return GaussianHead(space, gaussian_std)
    raise ValueError(f"no action head for {space}: Discrete or a flat Box only")
