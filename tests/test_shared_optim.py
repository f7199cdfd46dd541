"""Our shared optimizers follow torch.optim's update rules exactly."""
import pytest
import torch

from a3c.config.schema import AlgoConfig
from a3c.learn.shared_optim import make_optimizer


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


def test_the_papers_rmsprop_divides_by_the_root_of_mean_square_plus_eps():
    # Worked by hand with lr 0.1, alpha 0.9, eps 0.1, v starting at 0 (v is updated first):
    # step 1, g = [0.5, 1]: v = 0.1 g^2 = [0.025, 0.1];
    #   theta = [1 - 0.1 * 0.5 / sqrt(0.125), -2 - 0.1 * 1 / sqrt(0.2)] = [0.858579, -2.223607]
    # step 2, g = [-1, 0]: v = 0.9 v + 0.1 g^2 = [0.1225, 0.09];
    #   theta = [0.858579 + 0.1 / sqrt(0.2225), -2.223607] = [1.070578, -2.223607]
    param = torch.nn.Parameter(torch.tensor([1.0, -2.0], dtype=torch.float64))
    optimizer = make_optimizer([param], AlgoConfig(optimizer="rmsprop_paper", lr=0.1, rmsprop_alpha=0.9, optimizer_eps=0.1))
    expected = [([0.5, 1.0], [0.025, 0.1], [0.8585786, -2.2236068]),
                ([-1.0, 0.0], [0.1225, 0.09], [1.0705782, -2.2236068])]
    for grad, square_avg, theta in expected:
        param.grad = torch.tensor(grad, dtype=torch.float64)
        optimizer.step()
        torch.testing.assert_close(optimizer.state[0]["square_avg"], torch.tensor(square_avg, dtype=torch.float64))
        torch.testing.assert_close(param.detach(), torch.tensor(theta, dtype=torch.float64), rtol=0, atol=1e-6)


def test_the_papers_rmsprop_differs_from_torchs_where_eps_matters():
    # Same statistics, eps inside against outside the root: with eps 0.1 the steps differ.
    paper = run_steps(lambda p: make_optimizer(p, AlgoConfig(optimizer="rmsprop_paper", lr=0.01, optimizer_eps=0.1)))
    torch_rule = run_steps(lambda p: make_optimizer(p, AlgoConfig(optimizer="rmsprop", lr=0.01, optimizer_eps=0.1)))
    assert not torch.allclose(paper[0], torch_rule[0])
