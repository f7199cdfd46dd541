"""With fixed seeds in serial mode (deterministic on one machine), each variant really learns.

A uniformly random policy averages about 22 on CartPole-v1; 195 is the old v0 "solved" bar.
A serial run repeats itself exactly on one CPU, not across CPUs: float kernels differ (AVX512,
AVX2, the default path), and a run near a threshold can land either side of it. So every
threshold here sits far from what the runs reach, and the whole file was checked under
ATEN_CPU_CAPABILITY=default and AVX2 as well as this machine's AVX512 (an AMD EPYC). CPU kernels
of these small networks are deterministic already; torch.use_deterministic_algorithms adds
nothing on CPU.
"""
import json

import pytest
import torch
from conftest import make_config

from a3c.agent.networks import build_model
from a3c.envs import make_env
from a3c.run import train
from a3c.run.evaluate import play_episodes
from a3c.run.policy_file import load_policy

BUDGET = ["env=cartpole", "workers=serial", "logger=off", "train.progress=false", "train.total_steps=100000"]


def train_serial(tmp_path, *overrides):
    cfg = make_config(*BUDGET, *overrides)
    summary = train.run(cfg, tmp_path)
    assert json.loads((tmp_path / "summary.json").read_text()) == summary
    return summary


@pytest.mark.parametrize("algo", ["a3c", "ac_baseline"])
def test_actor_critic_with_a_v_critic_reaches_195(tmp_path, algo):
    summary = train_serial(tmp_path, f"algo={algo}", "train.target_return=195", "train.seed=1")
    assert summary["solved_at_step"] is not None, summary
    assert summary["mean_return_last_100"] >= 195


def test_the_best_greedy_policy_of_a_cartpole_run_scores_475_on_new_episodes(tmp_path):
    # The final policy of a run that ends near the target greedily scores anywhere from 114 to
    # 500 depending on the CPU's float path (one seed flipped from 500 to 140 between AVX512 and
    # ATEN_CPU_CAPABILITY=default). The periodic greedy evaluation's best policy is what a user
    # keeps, and it is far from the edge: 500 on 10 new episodes for seeds 1-3 on each of the
    # default, AVX2 and AVX512 paths (9 of 9).
    train_serial(tmp_path, "algo=a3c", "train.seed=1", "train.eval_every_steps=5000")
    policy = load_policy(tmp_path / "best_policy.pt")
    cfg = make_config(*BUDGET, "algo=a3c", "train.seed=1")
    model = build_model(cfg, *_spaces(cfg))
    model.load_state_dict(policy["model"])
    returns = [r for r, _ in play_episodes(model, cfg, policy["normalizer"], episodes=10, greedy=True, seed=2_000_000)]
    assert sum(returns) / len(returns) >= 475, returns


def _spaces(cfg):
    env = make_env(cfg.env, seed=0)
    return env.observation_space, env.action_space


def test_reinforce_clearly_beats_a_random_policy(tmp_path):
    summary = train_serial(tmp_path, "algo=reinforce", "train.total_steps=40000", "train.target_return=null")
    assert summary["mean_return_last_100"] >= 100, summary


def test_serial_mode_is_deterministic(tmp_path):
    def final_parameters(run_dir):
        train_serial(run_dir, "algo=a3c", "workers.count=2", "train.total_steps=3000", "train.target_return=null")
        return torch.load(run_dir / "checkpoint.pt", weights_only=False)["model"]

    first, second = final_parameters(tmp_path / "a"), final_parameters(tmp_path / "b")
    assert all(torch.equal(first[name], second[name]) for name in first)


def test_on_the_memory_task_the_lstm_clearly_beats_the_feed_forward_agent(tmp_path):
    """Without velocities one frame cannot tell which way the pole falls; an LSTM can infer it."""
    # 4 envs rather than the preset's 8: twice the updates in a CI-sized budget.
    masked = ["env=cartpole_masked", "workers.envs_per_worker=4", "train.total_steps=80000",
              "train.target_return=null", "train.seed=0"]
    feed_forward = train_serial(tmp_path / "mlp", *masked, "model=mlp")
    recurrent = train_serial(tmp_path / "mlp_lstm", *masked, "model=mlp_lstm")
    assert recurrent["mean_return_last_100"] >= max(100, 2 * feed_forward["mean_return_last_100"]), (recurrent, feed_forward)


def test_normalization_lets_a3c_climb_out_of_the_mountain_car_valley(tmp_path):
    # Until the car first reaches the flag, every episode returns -200 (200 steps of -1).
    # With the tuned preset (the RL Zoo's: normalized observations and rewards, 8 envs, no
    # entropy bonus) one serial A3C worker gets to about -128 in 100k steps (10 s); the same
    # without normalization stays at -200 (experiments/benchmark_tuning).
    mountain_car = ["env=mountain_car", "algo=a3c", "workers=serial", "train.target_return=null"]
    normalized = train_serial(tmp_path / "normalized", *mountain_car)
    raw = train_serial(tmp_path / "raw", *mountain_car, "env.normalize_obs=false", "env.normalize_reward=false")
    assert normalized["mean_return_last_100"] > -150, normalized
    assert raw["mean_return_last_100"] == -200, raw


def test_a3c_with_the_tuned_preset_learns_to_swing_up_the_pendulum(tmp_path):
    # The preset (the RL Zoo's A2C setting: n_steps 8, gamma 0.9, GAE 0.9, normalization, gSDE,
    # lr annealed over 1M steps) with one serial worker of 4 envs; the run stops once the last
    # 100 episodes average -500. Measured (since gSDE scores with its own std): the first 100
    # episodes average -1,212.1, the stop comes at 478,400 steps (395,200 before that change),
    # 240 s on our 2-core machine beside a 16-worker training run.
    summary = train_serial(tmp_path, "env=pendulum", "algo=a3c", "train.total_steps=1000000", "train.target_return=-500")
    lines = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    first_returns = [m["charts/episodic_return"] for m in lines if "charts/episodic_return" in m][:100]
    assert sum(first_returns) / len(first_returns) < -1000
    assert summary["solved_at_step"] is not None and summary["mean_return_last_100"] > -600, summary
