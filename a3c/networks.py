"""Actor-critic networks. Every one serves every critic kind (none, Q(s, .) or V(s)) and every
action space (the head comes from it: a3c/distributions.py), and speaks one interface:

    forward(obs, state) -> (actor output, critic output, next state)
    unroll(obs (T, E, ...), state, dones (T, E)) -> (actor outputs, critic outputs), (T * E, ...)

state is None for feed-forward networks and (h, c) for the LSTM; it is carried across
rollouts by the collector and zeroed where an episode ends.
"""
from __future__ import annotations

import math

import gymnasium as gym
import torch
from torch import nn

from a3c.config import Config, ModelConfig
from a3c.distributions import action_head

RecurrentState = tuple[torch.Tensor, torch.Tensor] | None


def _init_linear(layer: nn.Module, gain: float) -> None:
    # Orthogonal init with a small policy-output gain starts the policy near uniform
    # (as in OpenAI Baselines and SB3), which matters more than any other init choice here.
    nn.init.orthogonal_(layer.weight, gain=gain)
    nn.init.zeros_(layer.bias)


def _mlp(in_dim: int, hidden_sizes: list[int], out_dim: int, out_gain: float) -> nn.Sequential:
    layers: list[nn.Module] = []
    for width in hidden_sizes:
        layers += [nn.Linear(in_dim, width), nn.Tanh()]
        in_dim = width
    layers.append(nn.Linear(in_dim, out_dim))
    for layer in layers[::2]:  # the last one twice: kept so that fixed seeds keep their weights
        _init_linear(layer, math.sqrt(2))
    _init_linear(layers[-1], out_gain)
    return nn.Sequential(*layers)


def _critic_outputs(critic: str, head) -> int:
    return {"none": 0, "v": 1, "q": getattr(head, "n_actions", 0)}[critic]


def reset_state(state: RecurrentState, done: torch.Tensor) -> RecurrentState:
    """Zero the recurrent state of the envs whose episode ended (done: (E,) bool)."""
    if state is None:
        return None
    keep = (~done).unsqueeze(-1).to(state[0].dtype)
    return tuple(part * keep for part in state)


class ActorCriticBase(nn.Module):
    critic_kind: str
    head: object

    def act(self, obs: torch.Tensor, state: RecurrentState = None) -> tuple[torch.Tensor, RecurrentState]:
        """Actions sampled from the current policy, and the state after seeing obs."""
        actor_out, _, state = self(obs, state)
        return self.head.sample(actor_out), state

    def unroll(self, obs: torch.Tensor, state: RecurrentState, dones: torch.Tensor):
        """Outputs for every step of a (T, E) rollout, flattened to (T * E, ...). A feed-forward
        network needs no state and no order: one batched forward does it."""
        actor_out, critic_out, _ = self(obs.flatten(0, 1))
        return actor_out, critic_out

    def _critic(self, critic_out: torch.Tensor | None) -> torch.Tensor | None:
        """V as (batch,), Q as (batch, n_actions), or None."""
        if critic_out is None or self.critic_kind != "v":
            return critic_out
        return critic_out.squeeze(-1)


class ActorCritic(ActorCriticBase):
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
        outputs = _critic_outputs(critic, self.head)
        self.critic = _mlp(obs_dim, hidden, outputs, out_gain=1.0) if outputs else None

    def forward(self, obs: torch.Tensor, state: RecurrentState = None):
        critic_out = self.critic(obs) if self.critic is not None else None
        return self.actor(obs), self._critic(critic_out), state


class AtariActorCritic(ActorCriticBase):
    """Mnih et al. 2016's Atari network: conv 16 8x8/4, conv 32 4x4/2, fc 256 (ReLU), then
    optionally an LSTM of 256 cells; a linear policy head and a linear critic head share it all."""

    def __init__(self, obs_shape: tuple[int, ...], action_space, critic: str, model_cfg: ModelConfig):
        super().__init__()
        self.critic_kind = critic
        self.head = action_head(action_space)
        channels, height, width = obs_shape
        self.conv = nn.Sequential(
            nn.Conv2d(channels, 16, kernel_size=8, stride=4), nn.ReLU(),
            nn.Conv2d(16, 32, kernel_size=4, stride=2), nn.ReLU(),
            nn.Flatten(),
        )
        conv_out = self.conv(torch.zeros(1, channels, height, width)).shape[-1]
        self.fc = nn.Sequential(nn.Linear(conv_out, model_cfg.fc_size), nn.ReLU())
        for layer in [*self.conv, *self.fc]:
            if isinstance(layer, (nn.Conv2d, nn.Linear)):
                _init_linear(layer, math.sqrt(2))
        self.lstm = nn.LSTMCell(model_cfg.fc_size, model_cfg.lstm_size) if model_cfg.lstm_size else None
        features = model_cfg.lstm_size or model_cfg.fc_size
        self.actor = nn.Linear(features, self.head.output_size)
        _init_linear(self.actor, 0.01)
        outputs = _critic_outputs(critic, self.head)
        self.critic = nn.Linear(features, outputs) if outputs else None
        if self.critic is not None:
            _init_linear(self.critic, 1.0)

    def _features(self, obs: torch.Tensor) -> torch.Tensor:
        return self.fc(self.conv(obs.float() / 255.0))  # frames arrive as uint8

    def _heads(self, features: torch.Tensor):
        critic_out = self.critic(features) if self.critic is not None else None
        return self.actor(features), self._critic(critic_out)

    def forward(self, obs: torch.Tensor, state: RecurrentState = None):
        features = self._features(obs)
        if self.lstm is not None:
            state = self.lstm(features, state)  # a None state is LSTMCell's zeros
            features = state[0]
        return *self._heads(features), state

    def unroll(self, obs: torch.Tensor, state: RecurrentState, dones: torch.Tensor):
        """The convolutions run on all T * E frames at once; the LSTM steps through time from
        the rollout's first state, zeroed after each end: backpropagation through t_max steps."""
        if self.lstm is None:
            return super().unroll(obs, state, dones)
        steps, n_envs = obs.shape[:2]
        features = self._features(obs.flatten(0, 1)).view(steps, n_envs, -1)
        hidden = []
        for t in range(steps):
            state = self.lstm(features[t], state)
            hidden.append(state[0])
            state = reset_state(state, dones[t])
        return self._heads(torch.cat(hidden))


def build_model(cfg: Config, observation_space: gym.spaces.Box, action_space) -> ActorCriticBase:
    if cfg.model.arch == "atari_cnn":
        return AtariActorCritic(observation_space.shape, action_space, cfg.algo.critic, cfg.model)
    return ActorCritic(observation_space.shape[0], action_space, cfg.algo.critic, cfg.model)


def critic_value(critic_out: torch.Tensor | None, critic: str, actions: torch.Tensor) -> torch.Tensor | None:
    """The critic's estimate for the taken actions: V(s) itself, or Q(s, a) picked out."""
    if critic == "q":
        return critic_out.gather(-1, actions.long().unsqueeze(-1)).squeeze(-1)
    return critic_out
