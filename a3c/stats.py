"""Statistics for tables and curves: percentile-bootstrap CIs (scipy) and the IQM.

IQM, the mean of the middle 50% of runs, is what Agarwal et al. 2021 ("Deep RL at the Edge
of the Statistical Precipice") recommend over the mean or median for few-seed comparisons.
"""
from __future__ import annotations

import numpy as np

# scipy.stats is imported where it is used: it takes about half a second, and training (which
# imports this module for evaluation's CI) must not wait for it.

CONFIDENCE = 0.95
RESAMPLES = 2000


def iqm(values) -> float:
    from scipy import stats as scipy_stats

    return float(scipy_stats.trim_mean(np.asarray(values, dtype=float), 0.25))


def bootstrap_ci(values, seed: int = 0, axis: int = 0):
    """95% percentile-bootstrap CI of the mean along axis; a single value is its own CI."""
    values = np.asarray(values, dtype=float)
    if values.shape[axis] < 2:
        point = values.mean(axis=axis)
        return (float(point), float(point)) if np.ndim(point) == 0 else (point, point)
    from scipy import stats as scipy_stats

    result = scipy_stats.bootstrap(
        (values,), np.mean, axis=axis, confidence_level=CONFIDENCE, n_resamples=RESAMPLES,
        method="percentile", rng=np.random.default_rng(seed), vectorized=True,
    )
    low, high = result.confidence_interval
    return (float(low), float(high)) if np.ndim(low) == 0 else (low, high)
