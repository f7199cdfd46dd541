"""A NaN in the loss is caught before it reaches the global model: skipped, counted, bounded."""
import json

import gymnasium as gym
import pytest
import torch
from conftest import make_config

from a3c.run import train

NAN_EVERY = 97  # steps of one env between NaN rewards


class NanRewardEvery(gym.Wrapper):
    def __init__(self, env):
        super().__init__(env)
        self.steps = 0

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.steps += 1
        return obs, float("nan") if self.steps % NAN_EVERY == 0 else reward, terminated, truncated, info


gym.register(id="NanRewardCartPole-v0", entry_point=lambda **kwargs: NanRewardEvery(gym.make("CartPole-v1", **kwargs)))

RUN = ["env.id=NanRewardCartPole-v0", "workers=serial", "logger=off", "train.progress=false",
       "train.total_steps=4000", "train.target_return=null"]


def test_nan_updates_are_skipped_and_counted(tmp_path):
    summary = train.run(make_config(*RUN), tmp_path)
    # The 4 envs step in lock-step, so each NaN event spoils one update: 1000 steps / 97.
    assert summary["bad_updates"] == 4000 // 4 // NAN_EVERY
    checkpoint = torch.load(tmp_path / "checkpoint.pt", weights_only=False)
    assert all(torch.isfinite(tensor).all() for tensor in checkpoint["model"].values())
    losses = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    policy_losses = [row["losses/policy"] for row in losses if "losses/policy" in row]
    assert policy_losses and all(value == value for value in policy_losses)  # no NaN logged


def test_too_many_nan_updates_stop_the_run_with_a_clear_error(tmp_path):
    with pytest.raises(train.RunFailed, match=r"4 updates had a NaN or inf loss or gradient.*train\.max_bad_updates=3"):
        train.run(make_config(*RUN, "train.max_bad_updates=3"), tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["bad_updates"] == 4 and "train.max_bad_updates=3" in summary["stop_reason"]


def test_a_nan_reward_does_not_poison_the_normalization_statistics(tmp_path):
    summary = train.run(make_config(*RUN, "env.normalize_obs=true", "env.normalize_reward=true"), tmp_path)
    assert summary["bad_updates"] == 4000 // 4 // NAN_EVERY  # each NaN spoils its own update, no later one
    statistics = torch.load(tmp_path / "checkpoint.pt", weights_only=False)["normalizer"]
    assert all(torch.isfinite(tensor).all() for stats in statistics.values() for tensor in stats.values())
