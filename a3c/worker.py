"""One worker: sync from the global model, roll out, compute the loss, push gradients.

The same Learner runs inside the main process (serial and sync modes) and inside each
Hogwild process; only where it runs and how steps are counted differ.
"""
from __future__ import annotations

import os
import signal
import time
import traceback
from dataclasses import dataclass, field

import torch

from a3c.config import Config
from a3c.envs import make_env_batch
from a3c.envs.normalize import Normalizer
from a3c.losses import LossTerms, actor_critic_loss
from a3c.networks import ActorCriticBase, build_model
from a3c.probes import inactive_unit_fraction
from a3c.rollout import RolloutCollector
from a3c.shared_optim import make_optimizer


def env_seeds(cfg: Config, worker_index: int, n_envs: int) -> list[int]:
    """Distinct, reproducible seeds: env j of worker i gets the same seed in every mode."""
    first = cfg.train.seed * 10_000 + worker_index * n_envs
    return list(range(first, first + n_envs))


@dataclass
class UpdateResult:
    n_transitions: int
    finished_episodes: list  # (env_index, return, length)
    losses: LossTerms
    skipped: bool  # a NaN or inf loss or gradient: nothing reached the global model
    started_at: float  # unix time at which its rollout began
    inactive_units: float | None = None  # probed every log_every_updates updates (a3c/probes.py)


@dataclass
class Report:
    """What a worker tells the parent every few updates (never per step: queues are slow)."""

    worker: int
    global_step: int
    updates: int = 0  # applied updates; their loss sums are below
    bad_updates: int = 0  # skipped for a NaN or inf
    episodes: list = field(default_factory=list)  # (global_step, return, length)
    loss_sums: dict = field(default_factory=lambda: {"policy": 0.0, "value": 0.0, "entropy": 0.0})
    first_step_at: float | None = None  # unix time of its first update's first env step
    inactive_units: float | None = None  # the latest probe among its updates (a3c/probes.py)

    def add(self, global_step: int, result: UpdateResult) -> None:
        self.global_step = global_step
        self.first_step_at = self.first_step_at or result.started_at
        self.episodes += [(global_step, ret, length) for _, ret, length in result.finished_episodes]
        if result.inactive_units is not None:
            self.inactive_units = result.inactive_units
        if result.skipped:
            self.bad_updates += 1
            return
        self.updates += 1
        for name in self.loss_sums:
            self.loss_sums[name] += getattr(result.losses, name).item()

    def merge(self, later: "Report") -> None:
        self.global_step = max(self.global_step, later.global_step)
        self.updates += later.updates
        self.bad_updates += later.bad_updates
        self.episodes += later.episodes
        if later.inactive_units is not None:
            self.inactive_units = later.inactive_units
        for name in self.loss_sums:
            self.loss_sums[name] += later.loss_sums[name]

    def loss_means(self) -> dict:
        return {name: total / max(self.updates, 1) for name, total in self.loss_sums.items()}


def set_learning_rate(optimizer, cfg: Config, global_step: int) -> None:
    """A linear schedule anneals lr to 0 at train.total_steps, as Mnih et al. 2016 do."""
    if cfg.algo.lr_schedule == "linear":
        fraction_left = max(0.0, 1.0 - global_step / cfg.train.total_steps)
        optimizer.lr = cfg.algo.lr * fraction_left


class Learner:
    """Owns a batch of envs and a local copy of the model; applies updates to the global one."""

    def __init__(self, cfg: Config, worker_index: int, global_model: ActorCriticBase, optimizer, n_envs: int,
                 local_copy: bool = False, normalizer: Normalizer | None = None):
        self.cfg = cfg
        self.index = worker_index
        self.envs = make_env_batch(cfg.env, env_seeds(cfg, worker_index, n_envs), normalizer)
        self.global_model = global_model
        self.optimizer = optimizer
        self.collector = RolloutCollector(self.envs, cfg.algo.n_steps, carry_next_action=cfg.algo.critic == "q")
        # A Hogwild worker acts with a snapshot (theta' in the paper) while others write the
        # global model; in the main process nothing else writes it, so a copy would only cost.
        self.local_model = build_model(cfg, self.envs.observation_space, self.envs.action_space) if local_copy else global_model
        self.updates_done = 0

    def update(self, global_step: int) -> UpdateResult:
        """One rollout and one gradient step, skipped if the loss or gradients are not finite."""
        started_at = time.time()
        model = self._synced_local_model()
        model.reset_noise(len(self.envs))
        rollout = self.collector.collect(model.act)
        losses = actor_critic_loss(model, rollout, self.cfg.algo)
        model.zero_grad(set_to_none=True)
        losses.total.backward()
        max_norm = self.cfg.algo.max_grad_norm if self.cfg.algo.max_grad_norm > 0 else float("inf")
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)  # inf: measure only
        finite = bool(torch.isfinite(losses.total)) and bool(torch.isfinite(grad_norm))
        self.updates_done += 1
        probe = None
        if (self.updates_done - 1) % self.cfg.train.log_every_updates == 0:  # once a report: a forward costs
            probe = inactive_unit_fraction(model, rollout.obs[rollout.valid])
        if not finite:  # one bad batch must not poison the shared model and its statistics
            return UpdateResult(rollout.n_transitions, rollout.finished_episodes, losses, True, started_at, probe)
        if model is not self.global_model:
            # Hand the local gradients to the shared parameters. Assigned afresh each update:
            # torch 2's zero_grad() sets grads to None, which breaks code that shares grad tensors.
            for global_param, local_param in zip(self.global_model.parameters(), model.parameters()):
                global_param.grad = local_param.grad
        set_learning_rate(self.optimizer, self.cfg, global_step)
        self.optimizer.step()
        return UpdateResult(rollout.n_transitions, rollout.finished_episodes, losses, False, started_at, probe)

    def _synced_local_model(self) -> ActorCriticBase:
        if self.local_model is self.global_model:
            return self.global_model
        self.local_model.load_state_dict(self.global_model.state_dict())
        return self.local_model

    def close(self) -> None:
        self.envs.close()


def hogwild_worker(index: int, cfg: Config, global_model, shared_optim_state, normalizer, step_counter, stop_event,
                   queue) -> None:
    """Entry point of one Hogwild process; anything it raises goes up the queue, then exits 1."""
    # Ctrl-C (and a scheduler's SIGTERM) reach the whole process group; the parent alone
    # decides, sets stop_event, and kills a worker that does not stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    torch.set_num_threads(1)
    torch.manual_seed(cfg.train.seed * 10_000 + index)
    try:
        optimizer = make_optimizer(global_model.parameters(), cfg.algo)
        optimizer.attach(shared_optim_state)
        learner = Learner(cfg, index, global_model, optimizer, cfg.workers.envs_per_worker, local_copy=True,
                          normalizer=normalizer)
        report = Report(index, 0)
        parent = os.getppid()
        # A parent killed outright (SIGKILL) cannot set stop_event; orphans must not train on.
        while not stop_event.is_set() and os.getppid() == parent:
            result = learner.update(step_counter.value)
            with step_counter.get_lock():
                step_counter.value += result.n_transitions
                global_step = step_counter.value
            report.add(global_step, result)
            if report.updates + report.bad_updates >= cfg.train.log_every_updates or result.skipped:
                queue.put(report)
                report = Report(index, global_step)
            if global_step >= cfg.train.total_steps:
                break
        if report.updates or report.bad_updates or report.episodes:
            queue.put(report)  # the steps since the last report count too, in the summary and on resume
        learner.close()
    except BaseException as err:  # noqa: BLE001 - the parent must hear about every death
        queue.put(("error", f"worker-{index}", f"{type(err).__name__}: {err}", traceback.format_exc()))
        raise SystemExit(1) from err
