"""Our shared optimizers follow torch.optim's update rules exactly."""
import pytest
import torch

from a3c.config import AlgoConfig
from a3c.shared_optim import make_optimizer


def run_steps(make, steps: int = 5) -> list[torch.Tensor]:
    torch.manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(3, 4)), torch.nn.Parameter(torch.randn(4))]
    optimizer = make(params)
    generator = torch.Generator().manual_seed(1)
    for _ in range(steps):
        for param in params:
            param.grad = torch.randn(param.shape, generator=generator)
        optimizer.step()
    return [param.detach() for param in params]


@pytest.mark.parametrize(
    "algo,reference",
    [
        (AlgoConfig(optimizer="rmsprop", lr=0.01, rmsprop_alpha=0.99, optimizer_eps=0.1),
         lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.99, eps=0.1)),
        (AlgoConfig(optimizer="adam", lr=0.01, optimizer_eps=1e-5), lambda p: torch.optim.Adam(p, lr=0.01, eps=1e-5)),
        (AlgoConfig(optimizer="sgd", lr=0.01), lambda p: torch.optim.SGD(p, lr=0.01)),
    ],
)
def test_updates_match_torch_optim(algo, reference):
    ours = run_steps(lambda params: make_optimizer(params, algo))
    theirs = run_steps(reference)
    for mine, expected in zip(ours, theirs):
        torch.testing.assert_close(mine, expected)


def test_state_dict_round_trip_restores_the_statistics():
    params = [torch.nn.Parameter(torch.ones(2))]
    optimizer = make_optimizer(params, AlgoConfig(optimizer="adam"))
    params[0].grad = torch.ones(2)
    optimizer.step()
    saved = optimizer.state_dict()
    fresh = make_optimizer(params, AlgoConfig(optimizer="adam"))
    fresh.load_state_dict(saved)
    assert float(fresh.state[0]["step"]) == 1.0
    assert torch.equal(fresh.state[0]["exp_avg"], optimizer.state[0]["exp_avg"])
