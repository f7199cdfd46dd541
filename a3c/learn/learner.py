"""One worker's learning: sync from the global model, roll out, compute the loss, push gradients.

The same Learner runs inside the main process (serial and sync modes) and inside each
Hogwild process (a3c/run/hogwild_worker.py); only where it runs and how steps are counted differ.
"""
from __future__ import annotations

import pickle
import time
from dataclasses import dataclass

import torch

from a3c.agent.networks import ActorCriticBase, build_model
from a3c.agent.probes import inactive_unit_fraction
from a3c.config.schema import Config, first_seed
from a3c.envs import make_env_batch
from a3c.envs.normalize import Normalizer
from a3c.learn.losses import LossTerms, actor_critic_loss
from a3c.learn.rollout import RolloutCollector


def env_seeds(cfg: Config, worker_index: int, n_envs: int) -> list[int]:
    """Distinct, reproducible seeds: env j of worker i gets the same seed in every mode."""
    first = first_seed(cfg.train.seed) + worker_index * n_envs
    return list(range(first, first + n_envs))


@dataclass
class UpdateResult:
    n_transitions: int
    finished_episodes: list  # (env_index, return, length)
    losses: LossTerms
    skipped: bool  # a NaN or inf loss or gradient: nothing reached the global model
    started_at: float  # unix time at which its rollout began
    inactive_units: float | None = None  # probed every log_every_updates updates (a3c/agent/probes.py)


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
        # Listed once: module.parameters() walks the module tree, a few percent of a small
        # network's update when called four times per update.
        self._global_params = list(global_model.parameters())
        self._local_params = list(self.local_model.parameters())
        self._tensors_to_sync = list(zip(self._local_params + list(self.local_model.buffers()),
                                         self._global_params + list(global_model.buffers())))
        self.updates_done = 0

    def update(self, global_step: int) -> UpdateResult:
        """One rollout and one gradient step, skipped if the loss or gradients are not finite."""
        started_at = time.time()
        model = self._synced_local_model()
        model.reset_noise(len(self.envs))
        rollout = self.collector.collect(model.act)
        losses = actor_critic_loss(model, rollout, self.cfg.algo)
        for param in self._local_params:
            param.grad = None
        losses.total.backward()
        max_norm = self.cfg.algo.max_grad_norm if self.cfg.algo.max_grad_norm > 0 else float("inf")
        grad_norm = torch.nn.utils.clip_grad_norm_(self._local_params, max_norm)  # inf: measure only
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
            for global_param, local_param in zip(self._global_params, self._local_params):
                global_param.grad = local_param.grad
        set_learning_rate(self.optimizer, self.cfg, global_step)
        self.optimizer.step()
        return UpdateResult(rollout.n_transitions, rollout.finished_episodes, losses, False, started_at, probe)

    def _synced_local_model(self) -> ActorCriticBase:
        if self.local_model is self.global_model:
            return self.global_model
        # theta' <- theta, tensor by tensor: what load_state_dict(state_dict()) does, without its
        # per-module bookkeeping (0.66 s of a Hogwild CartPole worker's 10 s in _load_from_state_dict
        # alone, benchmarks/worker_profile_before.md).
        with torch.no_grad():
            for local, shared in self._tensors_to_sync:
                local.copy_(shared)
        return self.local_model

    def state_dict(self) -> bytes | None:
        """Where the worker stands, pickled, for a checkpoint: the envs mid-episode, a recurrent
        network's state in them, and any carried action with the state after it. None where
        the envs cannot be pickled (e.g. Box2D, or a custom env holding a handle): they restart on resume."""
        if not self.envs.picklable:
            return None
        collector = self.collector
        try:
            return pickle.dumps((self.envs, collector.pending_actions, collector.pending_state, collector.state))
        except Exception:  # noqa: BLE001 - whatever an env holds that pickle refuses
            return None

    def load_state_dict(self, state: bytes | None) -> None:
        if state is None:
            return
        normalizer = self.envs.normalizer  # the run's (maybe shared) statistics, not the pickled copy
        self.envs.close()
        saved = pickle.loads(state)
        if len(saved) == 2:  # a checkpoint from before the recurrent state was saved: it starts at zero
            saved = (*saved, None, None)
        self.envs, self.collector.pending_actions, self.collector.pending_state, self.collector.state = saved
        self.envs.normalizer = normalizer
        self.collector.envs = self.envs

    def close(self) -> None:
        self.envs.close()
