"""Hogwild: what a worker process does to the shared model and optimizer, the parent sees."""
import gymnasium as gym
import pytest
import torch
import torch.multiprocessing as mp

from a3c.agent.networks import ActorCritic
from a3c.config.schema import AlgoConfig, ModelConfig
from a3c.learn.shared_optim import make_optimizer


def step_with_unit_gradients(model, shared_state, algo):
    torch.set_num_threads(1)
    optimizer = make_optimizer(model.parameters(), algo)
    optimizer.attach(shared_state)
    for param in model.parameters():
        param.grad = torch.ones_like(param)
    optimizer.step()


def run_in_worker(model, shared_state, algo):
    worker = mp.get_context("spawn").Process(target=step_with_unit_gradients, args=(model, shared_state, algo))
    worker.start()
    worker.join(timeout=60)
    assert worker.exitcode == 0


def shared_model_and_optimizer(algo):
    model = ActorCritic(4, gym.spaces.Discrete(2), "v", ModelConfig(hidden_sizes=[8]))
    model.share_memory()
    optimizer = make_optimizer(model.parameters(), algo)
    return model, optimizer, optimizer.share_memory()


@pytest.mark.parametrize("optimizer", ["rmsprop", "rmsprop_paper"])
def test_worker_update_reaches_parent_model_and_shared_rmsprop_statistics(optimizer):
    algo = AlgoConfig(optimizer=optimizer, lr=0.01, rmsprop_alpha=0.99)
    model, optimizer, shared_state = shared_model_and_optimizer(algo)
    before = [p.detach().clone() for p in model.parameters()]
    assert all(float(s["square_avg"].abs().sum()) == 0.0 for s in shared_state)

    run_in_worker(model, shared_state, algo)

    for param, old in zip(model.parameters(), before):
        assert not torch.equal(param, old)
    first = next(iter(model.parameters()))
    # RMSProp with g = 1: square_avg = (1 - alpha) * 1; the parent's optimizer holds it.
    assert torch.allclose(optimizer.state[0]["square_avg"], torch.full_like(first, 0.01))
    assert float(shared_state[0]["square_avg"].sum()) > 0


def test_two_worker_updates_accumulate_in_shared_adam_state():
    algo = AlgoConfig(optimizer="adam", lr=0.01)
    model, optimizer, shared_state = shared_model_and_optimizer(algo)
    run_in_worker(model, shared_state, algo)
    run_in_worker(model, shared_state, algo)
    first = next(iter(model.parameters()))
    assert float(optimizer.state[0]["step"]) == 2.0
    # exp_avg after two unit gradients with beta1 = 0.9: 0.1 + 0.9 * 0.1 = 0.19
    assert torch.allclose(optimizer.state[0]["exp_avg"], torch.full_like(first, 0.19))


def test_sharing_optimizer_state_leaves_the_parameters_untouched():
    model = ActorCritic(4, gym.spaces.Discrete(2), "v", ModelConfig(hidden_sizes=[8]))
    before = [p.detach().clone() for p in model.parameters()]
    make_optimizer(model.parameters(), AlgoConfig(optimizer="rmsprop")).share_memory()
    assert all(torch.equal(p, old) for p, old in zip(model.parameters(), before))
