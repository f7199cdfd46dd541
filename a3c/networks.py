"""Actor and critic networks. One module serves every critic kind: none, Q(s, .) or V(s),
and every action space (the head comes from it: a3c/distributions.py)."""
from __future__ import annotations

import math

import torch
from torch import nn

from a3c.config import ModelConfig
from a3c.distributions import action_head


def _mlp(in_dim: int, hidden_sizes: list[int], out_dim: int, out_gain: float) -> nn.Sequential:
    layers: list[nn.Module] = []
    for width in hidden_sizes:
        layers += [nn.Linear(in_dim, width), nn.Tanh()]
        in_dim = width
    layers.append(nn.Linear(in_dim, out_dim))
    # Orthogonal init with a small policy-output gain starts the policy near uniform
    # (as in OpenAI Baselines and SB3), which matters more than any other init choice here.
    for layer in layers:
        if isinstance(layer, nn.Linear):
            nn.init.orthogonal_(layer.weight, gain=math.sqrt(2))
            nn.init.zeros_(layer.bias)
    nn.init.orthogonal_(layers[-1].weight, gain=out_gain)
    return nn.Sequential(*layers)


class ActorCritic(nn.Module):
    """Actor MLP -> the action head's parameters (logits, or Gaussian mean and std);
    critic MLP -> V(s) (1 output) or Q(s, .) (one per discrete action).

    Actor and critic are separate networks: with a shared torso the critic's large early
    gradients disturb the policy on classic-control tasks.
    """

    def __init__(self, obs_dim: int, action_space, critic: str, model_cfg: ModelConfig):
        super().__init__()
        hidden = list(model_cfg.hidden_sizes)
        self.critic_kind = critic
        self.head = action_head(action_space)
        self.actor = _mlp(obs_dim, hidden, self.head.output_size, out_gain=0.01)
        critic_outputs = {"none": 0, "v": 1, "q": getattr(self.head, "n_actions", 0)}[critic]
        self.critic = _mlp(obs_dim, hidden, critic_outputs, out_gain=1.0) if critic_outputs else None

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Returns (actor output, critic output): V as (batch,), Q as (batch, n_actions), or None."""
        logits = self.actor(obs)
        if self.critic is None:
            return logits, None
        critic_out = self.critic(obs)
        return logits, critic_out.squeeze(-1) if self.critic_kind == "v" else critic_out

    def act(self, obs: torch.Tensor) -> torch.Tensor:
        """Actions sampled from the current policy."""
        return self.head.sample(self.actor(obs))


def critic_value(critic_out: torch.Tensor | None, critic: str, actions: torch.Tensor) -> torch.Tensor | None:
    """The critic's estimate for the taken actions: V(s) itself, or Q(s, a) picked out."""
    if critic == "q":
        return critic_out.gather(-1, actions.long().unsqueeze(-1)).squeeze(-1)
    return critic_out
