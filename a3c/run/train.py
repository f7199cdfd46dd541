"""run(cfg): build the global model, run the workers in the chosen mode, write the results."""
from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import torch
from omegaconf import OmegaConf

from a3c.agent.networks import build_model
from a3c.config.schema import Config
from a3c.envs import env_spaces
from a3c.envs.normalize import make_normalizer
from a3c.learn.shared_optim import make_optimizer
from a3c.run import checkpoint as ckpt
from a3c.run import startup
from a3c.run.carried_metrics import carry_best_policy, keep_metrics_of_checkpoint, set_aside_unfinished_metrics
from a3c.run.evaluate import PeriodicEvaluator
from a3c.run.hogwild import run_hogwild
from a3c.run.in_process import make_learners, run_in_process
from a3c.run.loop_context import LoopContext
from a3c.run.policy_file import POLICY_NAME, save_policy
from a3c.run.recorder import METRICS_NAME, RunRecorder
from a3c.run.stopping import RunFailed, StopRequest
from a3c.run.tracking import Tracker, make_tracker

INTERRUPTED = "interrupted"


class Run:
    """One training run's parts, and its checkpoints."""

    def __init__(self, cfg: Config, run_dir: Path):
        self.cfg, self.run_dir = cfg, run_dir
        # Tiny networks: more threads only add overhead; one keeps the init (a QR) bit-for-bit reproducible.
        torch.set_num_threads(1)
        torch.manual_seed(cfg.train.seed)
        self.model, self.normalizer = _build_global_parts(cfg)
        self.resumed_from: str | None = None  # another run's directory, when train.resume names one
        self.optimizer = make_optimizer(self.model.parameters(), cfg.algo)
        self.resumed = self._load_resume_state()
        OmegaConf.save(OmegaConf.structured(cfg), run_dir / "config.yaml")  # once a resume is known good
        startup.mark("global_model_built")
        self.recorder = RunRecorder(run_dir, cfg, Tracker())
        if self.resumed:
            self.recorder.restore(self.resumed["recorder"], ckpt.saved_settings(self.resumed["config"])["train.target_return"])
        self.tracker = self.recorder.tracker = make_tracker(  # a resumed run's W&B run replays the curve kept
            cfg, run_dir, self.resumed.get("wandb_run_id"), run_dir / METRICS_NAME if self.resumed else None,
            nothing_to_train=bool(self.resumed) and self.recorder.should_stop() is not None)
        startup.mark("tracker_started")
        self.evaluator = PeriodicEvaluator(cfg, run_dir, self.recorder.global_step,
                                           (best := self.recorder.eval_best) and best["mean_return"])
        self.stop = StopRequest()
        every = cfg.train.checkpoint_every_steps
        self.next_checkpoint = (self.recorder.global_step // every + 1) * every if every else None
        # In-process modes only: Hogwild's learners live in their worker processes.
        self.learners = [] if cfg.workers.mode == "hogwild" else make_learners(
            cfg, self.model, self.optimizer, self.normalizer, self.resumed.get("learners", []))

    def _load_resume_state(self) -> dict:
        """Checks everything (readable, same experiment) before any worker starts."""
        path = ckpt.resume_source(self.cfg, self.run_dir)
        if path is None:
            set_aside_unfinished_metrics(self.run_dir)
            return {}
        state = ckpt.load_checkpoint(path, ckpt.source_label(path, self.run_dir, self.cfg.train.resume))
        self.resumed_from = ckpt.resumed_from(path, state, self.run_dir)
        ckpt.check_same_experiment(state["config"], self.cfg, path, self.run_dir)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        ckpt.restore_rng_states(state["rng"])
        if self.normalizer is not None:  # the same experiment: both or neither have statistics
            self.normalizer.load_state_dict(state["normalizer"])
        # The new run dir holds the whole curve up to the checkpoint, and nothing after it.
        keep_metrics_of_checkpoint(path.parent / METRICS_NAME, self.run_dir / METRICS_NAME,
                                   state["recorder"].get("metrics_bytes"))
        carry_best_policy(path.parent, self.run_dir, state["recorder"].get("eval_best"))
        print(f"resuming from {path} at global_step {state['global_step']}", file=sys.stderr)
        return state

    def save(self) -> None:
        """Raises RunFailed when the run directory cannot take it; the last good one stays."""
        try:
            self._save_checkpoint()
        except OSError as err:
            raise RunFailed(_write_failure(self.run_dir, err)) from None

    def _save_checkpoint(self) -> None:
        ckpt.save_atomically(self.run_dir / ckpt.CHECKPOINT_NAME, {
            "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
            "global_step": self.recorder.global_step, "recorder": self.recorder.state(),
            "rng": ckpt.rng_states(), "learners": [learner.state_dict() for learner in self.learners],
            "normalizer": self.normalizer_state(), "wandb_run_id": self.tracker.run_id, "config": asdict(self.cfg),
            "resumed_from": self.resumed_from,
        })

    def save_policy(self) -> Path:
        save_policy(path := self.run_dir / POLICY_NAME, self.model, self.cfg, self.normalizer_state(), self.recorder.global_step)
        return path

    def normalizer_state(self) -> dict | None:
        return self.normalizer.state_dict() if self.normalizer is not None else None

    def evaluate_if_due(self) -> None:
        """In-process modes (Hogwild's evaluator is a process of its own)."""
        if self.evaluator.due(step := self.recorder.global_step):
            with self.recorder.clock.paused():  # its seconds are not training's: SPS, time to solve, max_minutes
                values = self.evaluator.evaluate(self.model, self.normalizer_state(), step)
            self.recorder.record_eval(step, values)

    def save_if_due(self) -> None:  # a checkpoint every train.checkpoint_every_steps env steps
        if self.next_checkpoint is not None and self.recorder.global_step >= self.next_checkpoint:
            self.save()
            every = self.cfg.train.checkpoint_every_steps
            self.next_checkpoint = (self.recorder.global_step // every + 1) * every  # one save per crossing

    def stop_reason(self) -> str | None:
        """Why to stop now, or None; raises RunFailed if the run cannot go on."""
        if (failure := self.recorder.failure()) is not None:
            raise RunFailed(failure)
        return INTERRUPTED if self.stop.requested else self.recorder.should_stop()

    def between_updates(self) -> str | None:
        """What the loops do between updates: save a checkpoint when due, then say whether to stop."""
        self.save_if_due()
        return self.stop_reason()

    def train(self) -> str:
        """Run the loop of the chosen mode on this run's parts; returns why it stopped."""
        ctx = LoopContext(self.cfg, self.run_dir, self.model, self.optimizer, self.normalizer, self.recorder,
                          self.between_updates)
        if self.cfg.workers.mode == "hogwild":
            return run_hogwild(ctx, self.evaluator.best_mean)
        return run_in_process(ctx, self.learners, self.evaluate_if_due)


def run(cfg: Config, run_dir: Path) -> dict:
    """Train until solved or out of budget; write config.yaml, metrics.jsonl, summary.json,
    checkpoint.pt and policy.pt: the same run directory from the CLI or from code."""
    run_dir.mkdir(parents=True, exist_ok=True)
    state = Run(cfg, run_dir)  # a refused resume raises here, before the directory is touched
    stop_reason, exit_code = "error", 1
    try:
        with state.stop:
            stop_reason = state.train()
        exit_code = 0
    except KeyboardInterrupt:
        stop_reason = INTERRUPTED
        raise
    except RunFailed as err:
        stop_reason = str(err)
        raise
    except OSError as err:  # metrics.jsonl: the disk filled up, or the directory went away
        stop_reason = _write_failure(run_dir, err)
        raise RunFailed(stop_reason) from None
    finally:
        summary, write_failure = _finish(state, stop_reason, exit_code)
    if write_failure is not None:
        raise RunFailed(write_failure)
    return summary


def _finish(state: Run, stop_reason: str, exit_code: int) -> tuple[dict, str | None]:
    """Write what the run leaves, each file on its own: one that cannot be written costs only
    itself. Returns the summary and the first write failure (None if all went well)."""
    cfg, run_dir = state.cfg, state.run_dir
    # The run it went on from, whose curve it holds, and where: a3c-report counts the two once, moved or not.
    summary = {**state.recorder.summary(stop_reason), "resumed_from": state.resumed_from, "run_dir": str(run_dir.resolve())}
    writes = (
        state.recorder.close,
        lambda: (run_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n"),
        state.save,
        lambda: state.tracker.log_policy(state.save_policy(), asdict(cfg)),
    )
    failure = None
    for write in writes:
        try:
            write()
        except (OSError, RunFailed) as err:
            failure = failure or (str(err) if isinstance(err, RunFailed) else _write_failure(run_dir, err))
    for learner in state.learners:
        learner.close()
    state.tracker.summary(summary)
    state.tracker.finish(1 if failure is not None else 130 if stop_reason == INTERRUPTED else exit_code)
    return summary, failure


def _write_failure(run_dir: Path, err: OSError) -> str:
    return f"cannot write to the run directory {run_dir} ({err.strerror or err}); files written before stay"


def _build_global_parts(cfg: Config):
    """The global model and the one set of normalization statistics (None when off) all workers share."""
    observation_space, action_space = env_spaces(cfg.env)  # made once, by validation
    model = build_model(cfg, observation_space, action_space)
    normalizer = make_normalizer(cfg.env, observation_space.shape, cfg.algo.gamma)
    return model, normalizer

