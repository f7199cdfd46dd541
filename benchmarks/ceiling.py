"""The ceiling: a bare single-process A2C loop on CartPole-v1 with nothing around it.

Same work per step as one of our workers: 4 envs stepped together with one batched forward
of the same actor and critic MLPs (64-64, tanh), a 5-step rollout, then one update (n-step
returns, policy + value + entropy loss, clipping, RMSProp). No queue, no bookkeeping, no
progress bar, no metrics: whatever our worker does beyond this is framework overhead.
"""
from __future__ import annotations

import multiprocessing
import time

import gymnasium as gym
import numpy as np
import torch
from torch import nn

N_ENVS, N_STEPS, GAMMA = 4, 5, 0.99


def mlp(out_dim: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(4, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, out_dim))


def bare_loop_sps(seconds: float = 10.0, warmup: float = 1.0, seed: int = 0, clock=time.perf_counter) -> float:
    """Env steps per second of `clock`: wall time by default, time.process_time for steps per
    CPU-second, which another load on the machine hardly changes (one thread)."""
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    envs = [gym.make("CartPole-v1", disable_env_checker=True) for _ in range(N_ENVS)]
    obs = np.stack([env.reset(seed=seed + i)[0] for i, env in enumerate(envs)]).astype(np.float32)
    actor, critic = mlp(2), mlp(1)
    params = list(actor.parameters()) + list(critic.parameters())
    optimizer = torch.optim.RMSprop(params, lr=7e-4, alpha=0.99, eps=1e-5)
    steps, counted_from, start = 0, None, clock()
    while True:
        now = clock()
        if counted_from is None and now - start >= warmup:
            counted_from, steps = now, 0
        if counted_from is not None and now - counted_from >= seconds:
            return steps / (now - counted_from)
        batch_obs, batch_actions, rewards, dones = [], [], [], []
        for _ in range(N_STEPS):
            obs_t = torch.from_numpy(obs)
            with torch.no_grad():
                actions = torch.multinomial(torch.softmax(actor(obs_t), -1), 1).squeeze(-1)
            step_rewards, step_dones = np.zeros(N_ENVS, np.float32), np.zeros(N_ENVS, bool)
            for i, env in enumerate(envs):
                next_obs, reward, terminated, truncated, _ = env.step(int(actions[i]))
                if terminated or truncated:
                    next_obs, _ = env.reset()
                obs[i], step_rewards[i], step_dones[i] = next_obs, reward, terminated or truncated
            batch_obs.append(obs_t)
            batch_actions.append(actions)
            rewards.append(step_rewards)
            dones.append(step_dones)
            steps += N_ENVS
        with torch.no_grad():
            following = critic(torch.from_numpy(obs)).squeeze(-1)
        returns = []
        for reward, done in zip(reversed(rewards), reversed(dones)):
            following = torch.from_numpy(reward) + GAMMA * following * torch.from_numpy(~done)
            returns.append(following)
        returns = torch.stack(returns[::-1]).flatten()
        all_obs, all_actions = torch.cat(batch_obs), torch.cat(batch_actions)
        logits, values = actor(all_obs), critic(all_obs).squeeze(-1)
        log_probs = torch.log_softmax(logits, -1)
        advantages = (returns - values).detach()
        policy_loss = -(log_probs.gather(-1, all_actions.unsqueeze(-1)).squeeze(-1) * advantages).mean()
        entropy = -(log_probs.exp() * log_probs).sum(-1).mean()
        loss = policy_loss + 0.5 * (returns - values).pow(2).mean() - 0.01 * entropy
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, 0.5)
        optimizer.step()


def _bare_loop_after_barrier(seconds: float, barrier, results) -> None:
    barrier.wait()  # the loops start together, not each when its own imports finish
    results.put(bare_loop_sps(seconds=seconds))


def rates_at_once(target, args: tuple, count: int, seconds: float, ctx=None) -> list[float]:
    """What each of `count` processes running target(*args, barrier, results) at once puts on
    `results` (env steps per second), the processes spawned and started behind one barrier."""
    ctx = ctx or multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(count), ctx.Queue()
    processes = [ctx.Process(target=target, args=(*args, barrier, results)) for _ in range(count)]
    for process in processes:
        process.start()
    rates = [results.get(timeout=seconds + 120) for _ in processes]
    for process in processes:
        process.join()
    return rates


def bare_loops_at_once(count: int = 2, seconds: float = 10.0) -> list[float]:
    """Env steps per wall-second of each of `count` bare loops run at once, each in its own
    (spawned) process, started together behind a barrier as hogwild_sharing.py's loops are."""
    return rates_at_once(_bare_loop_after_barrier, (seconds,), count, seconds)


if __name__ == "__main__":
    print(f"{bare_loop_sps():,.0f} env steps/s")
