"""The outside reference measured on our machine: Stable-Baselines3 A2C with the RL Zoo's own
A2C hyperparameters (hyperparams/a2c.yml; SB3 defaults otherwise), one seed per call, scored
as our table scores: the mean of the last 100 training episodes, and the final policy played
greedily (deterministic=True, normalization frozen) for 20 episodes in fresh envs.

    python experiments/benchmark/sb3_reference.py lunar_lander --seed 0 >> sb3_runs.jsonl
    python experiments/benchmark/sb3_reference.py --table sb3_runs.jsonl   # mean, 95% CI per env

A run prints one JSON line. Needs the benchmark extras (`make bench` installs them)."""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from stable_baselines3 import A2C
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import VecNormalize

# The Zoo's entries (LunarLander-v2 there; v2 is gone from gymnasium 1.x, so v3 here).
ZOO = {
    "lunar_lander": dict(env_id="LunarLander-v3", n_envs=8, steps=200_000, normalize=False,
                         kwargs=dict(gamma=0.995, n_steps=5, ent_coef=1e-5, linear_lr=8.3e-4)),
    "acrobot": dict(env_id="Acrobot-v1", n_envs=16, steps=500_000, normalize=True,
                    kwargs=dict(ent_coef=0.0)),
    "mountain_car": dict(env_id="MountainCar-v0", n_envs=16, steps=1_000_000, normalize=True,
                         kwargs=dict(ent_coef=0.0)),
}
EVAL_EPISODES = 20


class EpisodeReturns(BaseCallback):
    """Every training episode's return, in the order episodes end (Monitor keeps only 100)."""

    def __init__(self):
        super().__init__()
        self.returns: list[float] = []

    def _on_step(self) -> bool:
        self.returns += [float(info["episode"]["r"]) for info in self.locals["infos"] if "episode" in info]
        return True


def linear(initial: float):
    return lambda progress_remaining: progress_remaining * initial  # the Zoo's lin_<value>


def play_greedily(model: A2C, entry: dict, train_env, seed: int) -> list[float]:
    env = make_vec_env(entry["env_id"], n_envs=1, seed=seed + 10_000)
    if entry["normalize"]:
        env = VecNormalize(env, training=False, norm_reward=False)
        env.obs_rms = train_env.obs_rms  # frozen statistics of the training run
    returns, obs = [], env.reset()
    while len(returns) < EVAL_EPISODES:
        action, _ = model.predict(obs, deterministic=True)
        obs, _, done, infos = env.step(action)
        if done[0]:
            returns.append(float(infos[0]["episode"]["r"]))
    return returns


def table(lines_path: str) -> str:
    """The runs of a JSON-lines file as our table's two score columns, with the same CIs."""
    from a3c.stats import mean_ci

    runs: dict[str, list[dict]] = {}
    for line in open(lines_path):
        run = json.loads(line)
        runs.setdefault(run["env"], []).append(run)
    rows = ["| env (Zoo budget) | seeds | last 100 training episodes | final policy, greedy (20 episodes) "
            "| final last-100 within 10% of its best | per seed (last 100 / greedy) |",
            "|---|---|---|---|---|---|"]
    for env_id, group in runs.items():
        cells = []
        for key in ("last_100", "greedy_mean"):
            values = np.array([run[key] for run in group])
            low, high = mean_ci(values)
            cells.append(f"{values.mean():.1f} [{low:.1f}, {high:.1f}]")
        held = sum(run["best_last_100"] - run["last_100"] <= 0.1 * abs(run["best_last_100"]) for run in group)
        seeds = ", ".join(f"{run['seed']}: {run['last_100']:.1f} / {run['greedy_mean']:.1f}" for run in group)
        rows.append(f"| {env_id} ({group[0]['global_step']:,}) | {len(group)} | {cells[0]} | {cells[1]} "
                    f"| {held}/{len(group)} | {seeds} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("env", nargs="?", choices=sorted(ZOO))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--table", metavar="JSONL", help="print the table of these runs instead of training")
    args = parser.parse_args()
    if args.table:
        print(table(args.table))
        return
    if args.env is None:
        parser.error("name an env to train on, or --table")
    torch.set_num_threads(1)
    entry = ZOO[args.env]
    kwargs = dict(entry["kwargs"])
    if "linear_lr" in kwargs:
        kwargs["learning_rate"] = linear(kwargs.pop("linear_lr"))
    env = make_vec_env(entry["env_id"], n_envs=entry["n_envs"], seed=args.seed)
    if entry["normalize"]:
        env = VecNormalize(env, gamma=kwargs.get("gamma", 0.99))
    model = A2C("MlpPolicy", env, seed=args.seed, verbose=0, **kwargs)
    start = time.perf_counter()
    episodes = EpisodeReturns()
    model.learn(total_timesteps=entry["steps"], callback=episodes)
    wall = time.perf_counter() - start
    last_100s = np.convolve(episodes.returns, np.ones(100) / 100, mode="valid")  # as collapse.py reads ours
    greedy = play_greedily(model, entry, env, args.seed)
    print(json.dumps({"env": entry["env_id"], "seed": args.seed, "global_step": model.num_timesteps,
                      "last_100": float(last_100s[-1]), "best_last_100": float(last_100s.max()),
                      "greedy_mean": float(np.mean(greedy)), "wall_seconds": round(wall, 1)}))


if __name__ == "__main__":
    main()
