"""Play a policy for whole episodes in fresh envs: a3c-eval's core, and periodic evaluation.

Evaluation envs are the training envs' config (an Atari "episode" is still a whole game
with its real score, a lost life only zeroes the LSTM state as in training) with their own
seeds; observations are normalized with the statistics the policy was trained with, frozen.
"""
from __future__ import annotations

import copy
import time
from pathlib import Path

import numpy as np
import torch

from a3c.agent.networks import ActorCriticBase, reset_state
from a3c.config.schema import Config, EnvConfig, periodic_eval_seed
from a3c.envs import EnvBatch, make_env_batch
from a3c.envs.normalize import Normalizer, make_normalizer
from a3c.run.messages import Evaluation, failures_reported
from a3c.run.policy_file import BEST_POLICY_NAME, save_policy
from a3c.run.processes import become_child_of
from a3c.run.recorder import EVAL_MEAN_RETURN, EVAL_STD_RETURN
from a3c.stats import mean_ci

MAX_PARALLEL_EPISODES = 16  # envs stepped together; more episodes play in waves
MAX_EPISODE_STEPS = 100_000  # an env without a time limit and a policy that never ends it


class EvalError(RuntimeError):
    """Evaluation cannot go on: the message says why."""


def frozen_normalizer(env_cfg: EnvConfig, gamma: float, state: dict | None) -> Normalizer | None:
    """The training statistics, applied and never updated."""
    if state is None:
        return None
    obs_shape = tuple(state["obs"]["mean"].shape) if "obs" in state else ()
    normalizer = make_normalizer(env_cfg, obs_shape, gamma)
    if normalizer is None:
        return None
    normalizer.load_state_dict(state)
    normalizer.frozen = True
    return normalizer


@torch.no_grad()
def play_episodes(model: ActorCriticBase, cfg: Config, normalizer_state: dict | None, episodes: int,
                  greedy: bool, seed: int, video_dir: Path | None = None) -> list[tuple[float, int]]:
    """(return, length) of each episode; episode i plays in an env seeded seed + i, filmed to
    film_path(video_dir, seed + i) if video_dir is given."""
    outcomes: list[tuple[float, int]] = []
    for first in range(0, episodes, MAX_PARALLEL_EPISODES):
        seeds = list(range(seed + first, seed + min(episodes, first + MAX_PARALLEL_EPISODES)))
        videos = [_film_prefix(video_dir, s) for s in seeds] if video_dir is not None else None
        envs = make_env_batch(cfg.env, seeds, frozen_normalizer(cfg.env, cfg.algo.gamma, normalizer_state), videos)
        try:
            outcomes += _play_one_episode_each(model, envs, greedy)
        finally:
            envs.close()
    return outcomes


def _film_prefix(video_dir: Path, seed: int) -> Path:
    return video_dir / f"seed-{seed}"


def film_path(video_dir: Path, seed: int) -> Path:
    """The MP4 of the episode played with this env seed (RecordVideo names it <prefix>-episode-0)."""
    prefix = _film_prefix(video_dir, seed)
    return prefix.with_name(f"{prefix.name}-episode-0.mp4")


def _play_one_episode_each(model: ActorCriticBase, envs: EnvBatch, greedy: bool) -> list[tuple[float, int]]:
    act = model.act_greedy if greedy else model.act
    outcomes: list[tuple[float, int] | None] = [None] * len(envs)
    state = None
    for _ in range(MAX_EPISODE_STEPS):
        playing = np.array([outcome is None for outcome in outcomes])
        if not playing.any():
            return outcomes  # type: ignore[return-value]
        actions, state = act(torch.from_numpy(envs.obs.copy()), state)
        result = envs.step(actions.numpy(), playing)
        for index, episode_return, length in result.finished_episodes:  # whole games, for Atari
            outcomes[index] = (episode_return, length)
        state = reset_state(state, torch.from_numpy(result.terminated | result.truncated))
    raise EvalError(f"an evaluation episode ran past {MAX_EPISODE_STEPS} steps; set env.max_episode_steps")


def summarize(outcomes: list[tuple[float, int]]) -> dict:
    returns = [float(r) for r, _ in outcomes]
    low, high = mean_ci(returns) if len(returns) > 1 else (None, None)  # one episode: no interval
    return {
        "episodes": len(returns),
        "mean_return": float(np.mean(returns)),
        "std_return": float(np.std(returns)),
        "ci95_low": low,
        "ci95_high": high,
        "returns": returns,
        "lengths": [int(length) for _, length in outcomes],
    }


class PeriodicEvaluator:
    """Greedy episodes of the global model every train.eval_every_steps; the best policy so far
    goes to best_policy.pt. The caller hands in a model nothing writes while it plays."""

    def __init__(self, cfg: Config, run_dir: Path, global_step: int, best_mean: float | None):
        self.cfg, self.run_dir = cfg, run_dir
        self.every = cfg.train.eval_every_steps
        self.next_at = (global_step // self.every + 1) * self.every if self.every else None
        self.best_mean = best_mean

    def due(self, global_step: int) -> bool:
        return self.next_at is not None and global_step >= self.next_at

    def evaluate(self, model: ActorCriticBase, normalizer_state: dict | None, global_step: int) -> dict:
        """The metrics of this evaluation; writes best_policy.pt when it is the best yet."""
        self.next_at = (global_step // self.every + 1) * self.every
        seed = periodic_eval_seed(self.cfg.train, global_step)
        with torch.random.fork_rng(devices=[]):  # training's draws stay training's (gSDE redraws its noise here)
            stats = summarize(play_episodes(model, self.cfg, normalizer_state, self.cfg.train.eval_episodes, True, seed))
        if self.best_mean is None or stats["mean_return"] > self.best_mean:
            self.best_mean = stats["mean_return"]
            save_policy(self.run_dir / BEST_POLICY_NAME, model, self.cfg, normalizer_state, global_step)
        return {EVAL_MEAN_RETURN: stats["mean_return"], EVAL_STD_RETURN: stats["std_return"]}


def evaluator_process(main_pid: int, cfg: Config, run_dir: Path, global_model, normalizer, step_counter,
                      stop_flag, queue, start_step: int, best_mean: float | None) -> None:
    """Hogwild: evaluates a snapshot of the shared model whenever the step counter passes the
    next evaluation after start_step, the run's; sends an Evaluation to the parent, errors as a
    worker does."""
    become_child_of(main_pid)
    with failures_reported(queue, "evaluator"):
        snapshot = copy.deepcopy(global_model)  # private memory: the workers write the shared one
        # From the run's start step, not the counter's now: started after the workers had passed
        # an evaluation's step, it plays that one at once rather than skipping it.
        evaluator = PeriodicEvaluator(cfg, run_dir, start_step, best_mean)
        while True:
            stopping = bool(stop_flag.value)  # polled: a lock-free flag (run/hogwild.py says why)
            step = step_counter.value
            if evaluator.due(step):  # at stop too: a short run may end before this process is up
                snapshot.load_state_dict(global_model.state_dict())
                stats = normalizer.state_dict() if normalizer is not None else None
                queue.put(Evaluation(step, evaluator.evaluate(snapshot, stats, step)))
            if stopping:
                break
            time.sleep(0.1)
