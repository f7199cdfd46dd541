"""The peer: Stable-Baselines3 A2C with the RL Zoo's CartPole-v1 hyperparameters
(hyperparams/a2c.yml: n_envs 8, MlpPolicy, ent_coef 0.0, 5e5 steps; SB3 defaults otherwise),
run until the mean of the last 100 episodes reaches 475. Prints one JSON line."""
from __future__ import annotations

import argparse
import json
import time

from stable_baselines3 import A2C
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env

TARGET, WINDOW, BUDGET = 475.0, 100, 500_000


class StopWhenSolved(BaseCallback):
    def __init__(self, start: float):
        super().__init__()
        self.start = start
        self.solved_at_step = self.solved_at_seconds = None

    def _on_step(self) -> bool:
        episodes = self.model.ep_info_buffer  # Monitor's last 100 episodes
        if len(episodes) == WINDOW and sum(e["r"] for e in episodes) / WINDOW >= TARGET:
            self.solved_at_step, self.solved_at_seconds = self.num_timesteps, time.perf_counter() - self.start
            return False
        return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=int, default=BUDGET)
    args = parser.parse_args()
    seed = args.seed
    env = make_vec_env("CartPole-v1", n_envs=8, seed=seed)
    model = A2C("MlpPolicy", env, ent_coef=0.0, seed=seed, verbose=0)
    start = time.perf_counter()
    callback = StopWhenSolved(start)
    model.learn(total_timesteps=args.budget, callback=callback)
    wall = time.perf_counter() - start
    print(json.dumps({"seed": seed, "solved_at_step": callback.solved_at_step,
                      "solved_at_seconds": callback.solved_at_seconds, "global_step": model.num_timesteps,
                      "wall_seconds": wall, "sps": model.num_timesteps / wall}))


if __name__ == "__main__":
    main()
