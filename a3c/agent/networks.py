"""Actor-critic networks. Every one serves every critic kind (none, Q(s, .) or V(s)) and every
action space (the head comes from it: a3c/agent/distributions.py), and speaks one interface:

    forward(obs, state) -> (actor output, critic output, next state)
    unroll(obs (T, E, ...), state, dones (T, E)) -> (actor outputs, critic outputs), (T * E, ...)

state is None for feed-forward networks and a tuple of (E, H) tensors for recurrent ones:
(h, c) of the one LSTM, or (h, c) of the actor's then of the critic's when each head has a
body of its own. The collector carries it across rollouts and zeroes it where an episode ends.

Longer than 200 lines because the two networks and the body they share are read together:
the interface above is theirs.
"""
from __future__ import annotations

import gymnasium as gym
import torch
from torch import nn

from a3c.agent.gaussian_std import StateDependentNoise, head_and_actor
from a3c.agent.torsos import atari_torso, init_linear, minatar_torso, mlp, mlp_torso
from a3c.config.schema import Config, ModelConfig

RecurrentState = tuple[torch.Tensor, ...] | None


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
        actor_out, state = self.policy(obs, state)
        return self.head.sample(actor_out), state

    def act_greedy(self, obs: torch.Tensor, state: RecurrentState = None) -> tuple[torch.Tensor, RecurrentState]:
        """The policy's most probable action (argmax, or the Gaussian's mean), and the next state."""
        actor_out, state = self.policy(obs, state)
        return self.head.mode(actor_out), state

    def policy(self, obs: torch.Tensor, state: RecurrentState = None) -> tuple[torch.Tensor, RecurrentState]:
        """The actor's output and the next state. Subclasses whose critic can be skipped skip it."""
        actor_out, _, state = self(obs, state)
        return actor_out, state

    def critic_only(self, obs: torch.Tensor, state: RecurrentState = None) -> torch.Tensor | None:
        """The critic's output (V as (batch,), Q as (batch, n_actions)); subclasses whose actor
        can be skipped skip it."""
        return self(obs, state)[1]

    def reset_noise(self, n_envs: int) -> None:
        """A new exploration matrix per env, for gSDE's actor (a no-op for every other one):
        the workers call it at the start of each rollout."""
        for module in self.modules():
            if isinstance(module, StateDependentNoise):
                module.reset_noise(n_envs)

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
        self.head, self.actor = head_and_actor(
            action_space, model_cfg, lambda outputs: mlp(obs_dim, hidden, outputs, out_gain=0.01))
        outputs = _critic_outputs(critic, self.head)
        self.critic = mlp(obs_dim, hidden, outputs, out_gain=1.0) if outputs else None

    def forward(self, obs: torch.Tensor, state: RecurrentState = None):
        critic_out = self.critic(obs) if self.critic is not None else None
        return self.actor(obs), self._critic(critic_out), state

    # Acting needs the actor alone, a bootstrap the critic alone: with two separate networks each
    # skips half the forward (the same numbers: nothing random happens in a forward).
    def policy(self, obs: torch.Tensor, state: RecurrentState = None):
        return self.actor(obs), state

    def critic_only(self, obs: torch.Tensor, state: RecurrentState = None):
        return self._critic(self.critic(obs)) if self.critic is not None else None


class Body(nn.Module):
    """A torso, then optionally an LSTM whose state (h, c) the caller carries."""

    def __init__(self, torso: nn.Module, features: int, model_cfg: ModelConfig):
        super().__init__()
        self.torso = torso
        self.lstm = nn.LSTMCell(features, model_cfg.lstm_size) if model_cfg.lstm_size else None
        if self.lstm is not None and model_cfg.lstm_forget_bias is not None:
            _init_forget_gate(self.lstm, model_cfg.lstm_forget_bias)
        self.features = model_cfg.lstm_size or features

    def forward(self, obs: torch.Tensor, state: RecurrentState) -> tuple[torch.Tensor, RecurrentState]:
        features = self.torso(obs)
        if self.lstm is None:
            return features, None
        state = self.lstm(features, state)  # a None state is LSTMCell's zeros
        return state[0], state

    def unroll(self, obs: torch.Tensor, state: RecurrentState, dones: torch.Tensor) -> torch.Tensor:
        """The torso runs on all T * E observations at once; the LSTM steps through time from
        the rollout's first state, zeroed after each end: backpropagation through t_max steps."""
        features = self.torso(obs.flatten(0, 1))
        if self.lstm is None:
            return features
        steps, n_envs = obs.shape[:2]
        features = features.view(steps, n_envs, -1)
        hidden = []
        for t in range(steps):
            state = self.lstm(features[t], state)
            hidden.append(state[0])
            state = reset_state(state, dones[t])
        return torch.cat(hidden)


class BodyActorCritic(ActorCriticBase):
    """Linear policy and critic heads on one shared body (the conv agents: Mnih et al. 2016's
    Atari network, MinAtar's) or on an actor body and a critic body of its own (the recurrent
    agent on flat observations, as SB3-contrib's RecurrentPPO does by default: on CartPole a
    shared torso, with or without an LSTM, lets the critic's large early gradients swamp the
    policy's; experiments/minatar/README.md). The recurrent state is the actor body's (h, c),
    followed by the critic body's (h, c) when it has one."""

    def __init__(self, actor_body: Body, critic_body: Body | None, action_space, critic: str,
                 model_cfg: ModelConfig):
        super().__init__()
        self.critic_kind = critic
        self.actor_body, self.critic_body = actor_body, critic_body
        self.head, self.actor = head_and_actor(action_space, model_cfg, self._linear_policy)
        outputs = _critic_outputs(critic, self.head)
        self.critic = nn.Linear((critic_body or actor_body).features, outputs) if outputs else None
        if self.critic is not None:
            init_linear(self.critic, 1.0)

    def _linear_policy(self, outputs: int) -> nn.Linear:
        layer = nn.Linear(self.actor_body.features, outputs)
        init_linear(layer, 0.01)
        return layer

    def _split(self, state: RecurrentState) -> tuple[RecurrentState, RecurrentState]:
        if state is None or self.critic_body is None:
            return state, None
        return state[:2], state[2:]

    def _heads(self, actor_features: torch.Tensor, critic_features: torch.Tensor):
        critic_out = self.critic(critic_features) if self.critic is not None else None
        return self.actor(actor_features), self._critic(critic_out)

    def forward(self, obs: torch.Tensor, state: RecurrentState = None):
        actor_state, critic_state = self._split(state)
        actor_features, actor_state = self.actor_body(obs, actor_state)
        critic_features = actor_features
        if self.critic_body is not None:
            critic_features, critic_state = self.critic_body(obs, critic_state)
        state = actor_state + critic_state if critic_state is not None else actor_state
        return *self._heads(actor_features, critic_features), state

    def unroll(self, obs: torch.Tensor, state: RecurrentState, dones: torch.Tensor):
        actor_state, critic_state = self._split(state)
        actor_features = self.actor_body.unroll(obs, actor_state, dones)
        critic_features = actor_features
        if self.critic_body is not None:
            critic_features = self.critic_body.unroll(obs, critic_state, dones)
        return self._heads(actor_features, critic_features)


def _init_forget_gate(lstm: nn.LSTMCell, bias: float) -> None:
    """torch's LSTMCell has two bias vectors, gates ordered (input, forget, cell, output); the
    forget gate's total bias is set to `bias`, every other bias stays torch's default."""
    size = lstm.hidden_size
    with torch.no_grad():
        lstm.bias_ih[size:2 * size].fill_(bias)
        lstm.bias_hh[size:2 * size].zero_()


def build_model(cfg: Config, observation_space: gym.spaces.Box, action_space) -> ActorCriticBase:
    model_cfg, shape, critic = cfg.model, observation_space.shape, cfg.algo.critic
    if model_cfg.arch == "mlp" and not model_cfg.lstm_size and not model_cfg.shared_body:
        return ActorCritic(shape[0], action_space, critic, model_cfg)

    def body() -> Body:
        if model_cfg.arch == "mlp":
            return Body(*mlp_torso(shape[0], list(model_cfg.hidden_sizes)), model_cfg)
        torso = atari_torso if model_cfg.arch == "atari_cnn" else minatar_torso
        return Body(*torso(shape, model_cfg.fc_size), model_cfg)

    actor_body = body()  # built first: a fixed seed gives the actor the same weights either way
    critic_body = body() if critic != "none" and not model_cfg.shared_body else None
    return BodyActorCritic(actor_body, critic_body, action_space, critic, model_cfg)


def critic_value(critic_out: torch.Tensor | None, critic: str, actions: torch.Tensor) -> torch.Tensor | None:
    """The critic's estimate for the taken actions: V(s) itself, or Q(s, a) picked out."""
    if critic == "q":
        return critic_out.gather(-1, actions.long().unsqueeze(-1)).squeeze(-1)
    return critic_out
