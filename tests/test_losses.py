"""Losses of each critic kind on a one-env rollout whose numbers are worked out by hand.

The networks' weights are zeroed and their output biases set, so that pi is uniform over two
actions (log pi = -ln 2) and the critic outputs a known constant V or Q(s, .).
"""
import math

import gymnasium as gym
import pytest
import torch

from a3c.agent.distributions import CategoricalHead
from a3c.agent.networks import ActorCritic
from a3c.config.schema import AlgoConfig, ModelConfig
from a3c.learn.losses import actor_critic_loss
from a3c.learn.rollout import Rollout

LN2 = math.log(2)


def test_entropy_of_uniform_and_of_a_skewed_distribution():
    uniform = torch.zeros(4)
    skewed = torch.log(torch.tensor([0.5, 0.25, 0.25]))
    assert CategoricalHead(gym.spaces.Discrete(4)).entropy(uniform).item() == pytest.approx(math.log(4))
    assert CategoricalHead(gym.spaces.Discrete(3)).entropy(skewed).item() == pytest.approx(1.5 * LN2)


def constant_model(critic: str, critic_bias: list[float]) -> ActorCritic:
    model = ActorCritic(obs_dim=3, action_space=gym.spaces.Discrete(2), critic=critic, model_cfg=ModelConfig(hidden_sizes=[4]))
    with torch.no_grad():
        for param in model.parameters():
            param.zero_()
        if model.critic is not None:
            model.critic[-1].bias.copy_(torch.tensor(critic_bias))
    return model


def rollout(rewards, actions, terminated, next_actions=None) -> Rollout:
    steps = len(rewards)
    column = lambda values, dtype: torch.tensor(values, dtype=dtype).unsqueeze(1)  # noqa: E731
    return Rollout(
        obs=torch.zeros(steps, 1, 3),
        actions=column(actions, torch.int64),
        rewards=column(rewards, torch.float32),
        terminated=column(terminated, torch.bool),
        truncated=torch.zeros(steps, 1, dtype=torch.bool),
        valid=torch.ones(steps, 1, dtype=torch.bool),
        final_obs=torch.zeros(steps, 1, 3),
        last_obs=torch.zeros(1, 3),
        next_actions=None if next_actions is None else torch.tensor(next_actions),
        finished_episodes=[],
    )


def algo(**overrides) -> AlgoConfig:
    return AlgoConfig(gamma=0.5, entropy_coef=0.0, value_coef=1.0, **overrides)


def test_reinforce_weights_log_pi_by_the_monte_carlo_return():
    # Episode rewards [1, 2], ends: G = [1 + 0.5*2, 2] = [2, 2]; loss = -mean(-ln2 * G) = 2 ln2
    terms = actor_critic_loss(constant_model("none", []), rollout([1, 2], [0, 1], [0, 1]), algo(critic="none", n_steps=0))
    assert terms.policy.item() == pytest.approx(2 * LN2)
    assert terms.value.item() == 0.0


def test_v_critic_advantage_is_the_td_error():
    # V = 2 everywhere, r = 3, not done: target 3 + 0.5*2 = 4, TD error 4 - 2 = 2
    terms = actor_critic_loss(constant_model("v", [2.0]), rollout([3], [0], [0]), algo(critic="v", n_steps=1))
    assert terms.policy.item() == pytest.approx(2 * LN2)  # -(-ln2 * 2)
    assert terms.value.item() == pytest.approx(0.5 * 2**2)


def test_q_critic_actor_follows_q_and_critic_learns_the_sarsa_target():
    # Q(s, .) = [1, 3]; took a = 0, next action a' = 1: target 3 + 0.5 * Q(s', 1) = 4.5
    terms = actor_critic_loss(
        constant_model("q", [1.0, 3.0]), rollout([3], [0], [0], next_actions=[1]), algo(critic="q", n_steps=1)
    )
    assert terms.policy.item() == pytest.approx(LN2)  # -(-ln2 * Q(s, 0))
    assert terms.value.item() == pytest.approx(0.5 * (4.5 - 1.0) ** 2)


def test_entropy_bonus_lowers_the_total_loss_by_coef_times_entropy():
    model, data = constant_model("v", [2.0]), rollout([3], [0], [0])
    without = actor_critic_loss(model, data, algo(critic="v", n_steps=1)).total.item()
    with_bonus = actor_critic_loss(model, data, AlgoConfig(gamma=0.5, entropy_coef=0.1, value_coef=1.0, critic="v", n_steps=1)).total.item()
    assert without - with_bonus == pytest.approx(0.1 * LN2)


def test_gae_weights_the_policy_by_gae_and_the_critic_learns_advantage_plus_value():
    # V = 2 everywhere, r = [1, 3], no end, bootstrap V = 2, gamma = lambda = 0.5:
    # deltas d0 = 1 + 1 - 2 = 0, d1 = 3 + 1 - 2 = 2; A1 = 2, A0 = 0 + 0.25*2 = 0.5.
    # Critic targets A + V = [2.5, 4]; value loss 0.5 * mean(A^2) = 0.5 * (0.25 + 4) / 2.
    terms = actor_critic_loss(constant_model("v", [2.0]), rollout([1, 3], [0, 1], [0, 0]),
                              algo(critic="v", n_steps=2, gae_lambda=0.5))
    assert terms.policy.item() == pytest.approx(LN2 * (0.5 + 2) / 2)
    assert terms.value.item() == pytest.approx(0.5 * (0.25 + 4) / 2)


@pytest.mark.parametrize("critic,n_steps", [("v", 3), ("none", 0)])
def test_summed_loss_has_the_mean_losss_gradient_times_the_number_of_valid_samples(critic, n_steps):
    # Algorithm S3 accumulates the gradient of every step; the mean divides it by their number.
    torch.manual_seed(0)
    model = ActorCritic(obs_dim=3, action_space=gym.spaces.Discrete(2), critic=critic, model_cfg=ModelConfig(hidden_sizes=[4]))
    data = rollout([1, 2, 3], [0, 1, 1], [0, 0, 1])
    data.obs = torch.randn(3, 1, 3)
    data.valid = torch.tensor([[True], [True], [False]])  # the third step sat out: 2 valid samples

    def gradients(reduction):
        model.zero_grad()
        actor_critic_loss(model, data, algo(critic=critic, n_steps=n_steps, loss_reduction=reduction)).total.backward()
        return [p.grad.clone() for p in model.parameters() if p.grad is not None]

    mean, summed = gradients("mean"), gradients("sum")
    assert len(mean) == len(summed) > 0
    for mean_grad, sum_grad in zip(mean, summed):
        torch.testing.assert_close(sum_grad, 2 * mean_grad)


@pytest.mark.parametrize("model_overrides", [{}, {"lstm_size": 8}, {"shared_body": True}])
@pytest.mark.parametrize("critic", ["v", "q"])
def test_acting_and_bootstrapping_see_what_the_full_forward_sees(critic, model_overrides):
    """act() runs the actor alone and a bootstrap the critic alone where the network allows it:
    the outputs must be the full forward's, bit for bit, for every network kind."""
    from a3c.agent.networks import build_model
    from a3c.config.schema import Config

    cfg = Config()
    cfg.algo.critic = critic
    for key, value in model_overrides.items():
        setattr(cfg.model, key, value)
    torch.manual_seed(0)
    model = build_model(cfg, gym.spaces.Box(-1, 1, (3,)), gym.spaces.Discrete(2))
    obs = torch.randn(5, 3)
    actor_out, critic_out, state = model(obs)
    policy_out, policy_state = model.policy(obs)
    assert torch.equal(policy_out, actor_out)
    assert torch.equal(model.critic_only(obs), critic_out)
    assert (state is None) == (policy_state is None)
    if state is not None:
        assert all(torch.equal(a, b) for a, b in zip(state, policy_state))
