"""Statistics for tables and curves: Student's t intervals of the mean (scipy) and the IQM.

The interval is the t interval, not a bootstrap: a study here has 2 to 10 seeds, where a
percentile bootstrap of the mean covers far less than it says (at 2 seeds its "95%" interval
is the two values, and holds the true mean half the time; 74% at 3, 85% at 5; t: 95%).
IQM, the mean of the middle 50% of runs, is what Agarwal et al. 2021 ("Deep RL at the Edge
of the Statistical Precipice") recommend over the mean or median for few-seed comparisons.
"""
from __future__ import annotations

import numpy as np

# scipy.stats is imported where it is used: it takes about half a second, and training (which
# imports this module for evaluation's CI) must not wait for it.

CONFIDENCE = 0.95


def iqm(values) -> float:
    from scipy import stats as scipy_stats

    return float(scipy_stats.trim_mean(np.asarray(values, dtype=float), 0.25))


def mean_ci(values, axis: int = 0):
    """95% Student's t interval of the mean along axis: mean ± t(0.975, n−1)·s/√n, s the
    sample standard deviation; a single value is its own interval."""
    values = np.asarray(values, dtype=float)
    n = values.shape[axis]
    mean = values.mean(axis=axis)
    if n < 2:
        return (float(mean), float(mean)) if np.ndim(mean) == 0 else (mean, mean)
    from scipy import stats as scipy_stats

    half_width = scipy_stats.t.ppf((1 + CONFIDENCE) / 2, n - 1) * values.std(axis=axis, ddof=1) / np.sqrt(n)
    low, high = mean - half_width, mean + half_width
    return (float(low), float(high)) if np.ndim(low) == 0 else (low, high)
