"""The intervals a table prints hold the true mean as often as they say, at a study's few seeds."""
import numpy as np
import pytest

from a3c.stats import iqm, mean_ci


@pytest.mark.parametrize("seeds", [2, 3, 5])
def test_the_95_percent_interval_holds_the_true_mean_95_percent_of_the_time(seeds):
    samples = np.random.default_rng(seeds).normal(loc=3.0, scale=2.0, size=(4000, seeds))
    low, high = mean_ci(samples, axis=1)
    coverage = np.mean((low <= 3.0) & (3.0 <= high))
    assert 0.935 <= coverage <= 0.965, coverage  # a percentile bootstrap: 0.50 at 2 seeds, 0.85 at 5


def test_one_value_is_its_own_interval_and_the_iqm_trims_a_quarter_each_side():
    assert mean_ci([4.0]) == (4.0, 4.0)
    assert iqm([0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 1000.0]) == 35.0
