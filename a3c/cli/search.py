"""Optuna searches that survive an interruption and share one study between processes.

hydra.sweeper.n_trials is the study's total. A search opens its study in the storage (a journal
file by default, or a database URL), marks the trials a dead search left running as failed,
and asks trials only while the study has fewer than n_trials; each job's directory is named by
its trial, so that job directory N holds trial N whichever process ran it. Several searches,
on one machine or on many nodes of a cluster, can so run one study at once (docs/sweeps.md).
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from a3c.cli.hooks import record_failure
from a3c.cli.search_space import search_space
from a3c.cli.sweep_summary import FAILED_NAME
from a3c.cli.search_study import INTERRUPTED, SURPLUS, claim, counts, mark_not_run, open_study, release_dead_trials

# optuna imports alembic, which logs a "setup plugin" line per plugin through Hydra's log.
logging.getLogger("alembic").setLevel(logging.WARNING)
# What a Ctrl-C of this process says (a3c/__main__.py): set once a study with a storage starts.
resume_hint: str | None = None


def run_search(sweeper: Any, arguments: list[str]) -> None:
    """Run the study's missing trials, n_jobs at a time, then write the best one. Whatever
    stops this search (Ctrl-C, an error) marks its unfinished trials as interrupted, so that the
    same command runs them again."""
    global resume_hint
    sweep_dir = Path(sweeper.config.hydra.sweep.dir)
    sweep_dir.mkdir(parents=True, exist_ok=True)
    # The basic sweeper leaves this record of the sweep, which W&B run names read (a3c/cli/sweep.py).
    OmegaConf.save(sweeper.config, sweep_dir / "multirun.yaml")
    study = open_study(sweeper.study_name, sweeper.storage, sweeper.direction)
    if sweeper.storage is not None:
        resume_hint = (f"study {sweeper.study_name} in {sweeper.storage} keeps the finished trials; "
                       "the same command continues it")
    release_dead_trials(study)
    fixed, space = search_space([f"{key}={value}" for key, value in sweeper.params.items()] + arguments)
    running: list[Any] = []
    try:
        while batch := ask_batch(study, sweeper, space):
            running = batch
            tell_batch(study, sweeper, batch, launch(sweeper, batch, fixed))
            running = []
    finally:
        for trial in running:
            mark_not_run(study, trial, INTERRUPTED)
    write_best(study, sweep_dir)


def ask_batch(study: Any, sweeper: Any, space: dict) -> list[Any]:
    """Up to n_jobs new trials, each with its values drawn. A trial numbered past the study's
    n_trials (other searches took the last places between our count and our ask) is marked
    surplus and not run: trial numbers are handed out in order by the storage, so this is exact."""
    batch = []
    for _ in range(sweeper.n_jobs):
        if sum(map(counts, study.get_trials(deepcopy=False))) >= sweeper.n_trials:
            break  # the study is full (finished, or running in this search or another)
        trial = study.ask()
        claim(study, trial)
        before = [t for t in study.get_trials(deepcopy=False) if t.number < trial.number and counts(t)]
        if len(before) >= sweeper.n_trials:
            mark_not_run(study, trial, SURPLUS)
            break
        study.sampler = sampler_for(sweeper.sampler, trial.number)
        for name, distribution in space.items():
            trial._suggest(name, distribution)
        batch.append(trial)
    return batch


def sampler_for(sampler_cfg: Any, number: int) -> Any:
    """The sampler that draws trial `number`, seeded by seed + number: a continued search, or
    one of several at once, draws what one uninterrupted search would have drawn for that
    trial (a random sampler exactly; TPE given the same finished trials)."""
    from hydra.utils import instantiate

    seed = sampler_cfg.get("seed")
    return instantiate(sampler_cfg, **({"seed": seed + number} if seed is not None else {}))


def launch(sweeper: Any, batch: list[Any], fixed: list[str]) -> list[Any]:
    """Run the batch's jobs, each in the directory of its trial's number (numbers need not be
    consecutive when other searches share the study)."""
    overrides = [[f"{name}={value}" for name, value in trial.params.items()] + fixed
                 + [f"hydra.sweep.subdir={trial.number}"] for trial in batch]
    # The joblib launcher numbers its lines within the batch (#0, #1): say which trial. Printed, not
    # logged: a job's logging config takes over the root logger once the first job has run.
    for trial in batch:
        print(f"trial {trial.number}: " + " ".join(f"{name}={value}" for name, value in trial.params.items()), flush=True)
    return sweeper.launcher.launch(overrides, initial_job_idx=batch[0].number)


def tell_batch(study: Any, sweeper: Any, batch: list[Any], returns: list[Any]) -> None:
    """A job that failed or returned no number (no episode finished) is a failed trial; more
    failures than max_failure_rate allows end the search with the first job's error."""
    import optuna

    failures = 0
    for trial, job in zip(batch, returns):
        try:
            value = job.return_value
            if value is None:
                raise ValueError(_no_return(Path(job.hydra_cfg.hydra.runtime.output_dir)))
            value = float(value)
        except Exception as err:  # noqa: BLE001 - any job error is that trial's failure
            # Printed, not logged: a job's logging config has taken over the root logger.
            print(f"warning: trial {trial.number} failed: {err}", file=sys.stderr, flush=True)
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            failures += 1
            continue
        study.tell(trial, value)
    if failures / len(batch) > sweeper.max_failure_rate:
        for job in returns:
            job.return_value  # raises the job's own error, with its traceback


def _no_return(job_dir: Path) -> str:
    """Why a job returned nothing; one that finished no episode is listed at the end as failed."""
    failed = job_dir / FAILED_NAME
    if failed.exists():  # the job's own error, recorded by itself
        return failed.read_text().strip()
    message = "no episode finished, so the search has no return for this trial (a larger train.total_steps?)"
    record_failure(job_dir, message)
    return message


def write_best(study: Any, sweep_dir: Path) -> None:
    """optimization_results.yaml, the best of the whole study (every search that ran it). No
    finished trial: nothing to write, and the end of the multirun lists the failed jobs."""
    import optuna

    if not study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        return
    best = study.best_trial
    print(f"best trial {best.number}: {best.params} = {best.value}", file=sys.stderr, flush=True)
    OmegaConf.save(OmegaConf.create({"name": "optuna", "best_trial": best.number, "best_params": best.params,
                                     "best_value": best.value}), sweep_dir / "optimization_results.yaml")
