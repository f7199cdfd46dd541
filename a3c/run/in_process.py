"""The in-process modes: serial, where the workers take turns on the global model, and sync
(A2C), where all their envs feed one combined update. Deterministic for a fixed seed."""
from __future__ import annotations

from typing import Callable

from a3c.config.schema import Config
from a3c.learn.learner import Learner
from a3c.run.loop_context import LoopContext
from a3c.run.messages import Report


def make_learners(cfg: Config, model, optimizer, normalizer, saved: list) -> list[Learner]:
    """The mode's learners on the global parts, each given its saved state (Learner.state_dict)
    when a checkpoint has one per learner: a serial run resumes bit for bit."""
    count, per_worker = cfg.workers.count, cfg.workers.envs_per_worker
    if cfg.workers.mode == "sync":
        learners = [Learner(cfg, 0, model, optimizer, count * per_worker, normalizer=normalizer)]
    else:
        learners = [Learner(cfg, i, model, optimizer, per_worker, normalizer=normalizer) for i in range(count)]
    if len(saved) == len(learners):
        for learner, state in zip(learners, saved):
            learner.load_state_dict(state)
    return learners


def run_in_process(ctx: LoopContext, learners: list[Learner], evaluate_if_due: Callable[[], None]) -> str:
    """Each learner updates in turn until a stop condition; returns why the run stopped."""
    global_step = ctx.recorder.global_step
    while (reason := ctx.between_updates()) is None:
        for learner in learners:
            result = learner.update(global_step)
            global_step += result.n_transitions
            report = Report(learner.index, global_step)
            report.add(global_step, result)
            ctx.recorder.record(report)
            evaluate_if_due()  # nothing else writes the model while it plays
    return reason
