"""Running observation and reward normalization, with Stable-Baselines3 VecNormalize's semantics:

    obs    -> clip((obs - mean) / sqrt(var + eps), -clip_obs, clip_obs)
    reward -> clip(reward / sqrt(var(R) + eps), -clip_reward, clip_reward)

where R is each env's discounted return so far (R <- gamma R + r, zeroed when an episode
ends) and mean, var are running statistics over every observation and every R seen.

The statistics are torch tensors so that Hogwild workers can share them like the model
(share_memory_()): every worker then normalizes with, and adds to, one set of statistics, so
the one global network always sees one input scale and the checkpoint holds the statistics
it was trained with. Updates take no lock, as Hogwild's parameter updates take none: two
workers updating at once may lose one batch or mix two, which moves an estimate over
thousands of samples by next to nothing.
"""
from __future__ import annotations

import numpy as np
import torch

from a3c.config.schema import EnvConfig

EPSILON = 1e-8  # inside the square root, as SB3: a constant input does not divide by zero


class RunningMeanStd:
    """Mean and (population) variance of a stream, updated one batch at a time."""

    def __init__(self, shape: tuple = ()):
        self.mean = torch.zeros(shape, dtype=torch.float64)
        self.var = torch.ones(shape, dtype=torch.float64)
        # SB3 starts the count at 1e-4: the first batch then sets the moments almost alone.
        self.count = torch.tensor(1e-4, dtype=torch.float64)

    def update(self, batch: np.ndarray) -> None:
        """Combines the batch's moments with the running ones (Chan, Golub and LeVeque 1979, the
        parallel form of Welford's update). Writes in place: shared tensors stay shared.
        Rows with a NaN or inf are left out: one would turn the statistics, and every later
        input, to NaN for good (the learner skips the batch it is in: _scaled)."""
        batch = torch.as_tensor(np.asarray(batch), dtype=torch.float64)
        finite = torch.isfinite(batch)
        batch = batch[finite.flatten(1).all(1) if batch.ndim > 1 else finite]
        if len(batch) == 0:
            return
        batch_mean, batch_var, batch_count = batch.mean(0), batch.var(0, correction=0), batch.shape[0]
        delta = batch_mean - self.mean
        total = self.count + batch_count
        squares = self.var * self.count + batch_var * batch_count + delta.pow(2) * self.count * batch_count / total
        self.mean.add_(delta * batch_count / total)
        self.var.copy_(squares / total)
        self.count.copy_(total)

    def tensors(self) -> dict[str, torch.Tensor]:
        return {"mean": self.mean, "var": self.var, "count": self.count}


class Normalizer:
    """What EnvBatch applies to a whole batch: observations, rewards, or both.

    frozen: normalize with the statistics as they are, never update them (evaluating a policy).
    """

    def __init__(self, obs_shape: tuple, env_cfg: EnvConfig, gamma: float):
        self.obs_stats = RunningMeanStd(obs_shape) if env_cfg.normalize_obs else None
        self.return_stats = RunningMeanStd() if env_cfg.normalize_reward else None
        self.clip_obs, self.clip_reward, self.gamma = env_cfg.clip_obs, env_cfg.clip_reward, gamma
        self.frozen = False

    def observations(self, raw: np.ndarray, update: np.ndarray | None = None) -> np.ndarray:
        """raw: (n_envs, *obs_shape). update: the rows to add to the statistics first (None: none)."""
        if self.obs_stats is None:
            return raw
        if update is not None and update.any() and not self.frozen:
            self.obs_stats.update(raw[update])
        scaled = (raw - self.obs_stats.mean.numpy()) / np.sqrt(self.obs_stats.var.numpy() + EPSILON)
        return _scaled(raw, scaled, self.clip_obs)

    def rewards(self, raw: np.ndarray, running_returns: np.ndarray, ended: np.ndarray, active: np.ndarray) -> np.ndarray:
        """Scales the active envs' rewards; running_returns (n_envs,) is the caller's per-env R,
        advanced here and zeroed where an episode ended."""
        if self.return_stats is None:
            return raw
        running_returns[active] = running_returns[active] * self.gamma + raw[active]
        if not self.frozen and active.any():
            self.return_stats.update(running_returns[active])
        running_returns[ended | ~np.isfinite(running_returns)] = 0.0  # a NaN reward must not stay in R
        scaled = raw / np.sqrt(self.return_stats.var.numpy() + EPSILON)
        return _scaled(raw, scaled, self.clip_reward)

    def _all_stats(self) -> dict[str, RunningMeanStd]:
        named = {"obs": self.obs_stats, "return": self.return_stats}
        return {name: stats for name, stats in named.items() if stats is not None}

    def share_memory_(self) -> "Normalizer":
        for stats in self._all_stats().values():
            for tensor in stats.tensors().values():
                tensor.share_memory_()
        return self

    def state_dict(self) -> dict:
        return {name: {key: t.clone() for key, t in stats.tensors().items()} for name, stats in self._all_stats().items()}

    def load_state_dict(self, state: dict) -> None:
        for name, stats in self._all_stats().items():
            for key, tensor in stats.tensors().items():
                tensor.copy_(state[name][key])  # in place: shared tensors stay shared


def _scaled(raw: np.ndarray, scaled: np.ndarray, clip: float) -> np.ndarray:
    """Clipped, but an inf stays non-finite (NaN): clipped to the bound, it would look like a
    real input, where the learner skips a non-finite batch as a bad update."""
    return np.where(np.isfinite(raw), np.clip(scaled, -clip, clip), np.nan).astype(np.float32)


def make_normalizer(env_cfg: EnvConfig, obs_shape: tuple, gamma: float) -> Normalizer | None:
    if not (env_cfg.normalize_obs or env_cfg.normalize_reward):
        return None
    return Normalizer(obs_shape, env_cfg, gamma)
