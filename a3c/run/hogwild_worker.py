"""The entry point of one Hogwild process: Learner updates on the shared model until told to stop."""
from __future__ import annotations

import torch

from a3c.config.schema import Config, first_seed
from a3c.learn.learner import Learner
from a3c.learn.shared_optim import make_optimizer
from a3c.run.messages import Report, failures_reported
from a3c.run.processes import become_child_of


def hogwild_worker(main_pid: int, index: int, cfg: Config, global_model, shared_optim_state, normalizer,
                   step_counter, stop_flag, queue, updates) -> None:
    """Entry point of one Hogwild process; anything it raises goes up the queue, then exits 1."""
    become_child_of(main_pid)
    torch.manual_seed(first_seed(cfg.train.seed) + index)
    with failures_reported(queue, f"worker-{index}"):
        optimizer = make_optimizer(global_model.parameters(), cfg.algo)
        optimizer.attach(shared_optim_state)
        learner = Learner(cfg, index, global_model, optimizer, cfg.workers.envs_per_worker, local_copy=True,
                          normalizer=normalizer)
        report = Report(index, 0)
        while not stop_flag.value:
            result = learner.update(step_counter.value)
            updates[index] += 1  # this slot is this worker's alone: no lock
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
