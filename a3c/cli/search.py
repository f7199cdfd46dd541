"""Optuna searches that survive an interruption and share one study between processes.

hydra.sweeper.n_trials is the study's total. A search opens its study in the storage (a journal
file by default, or a database URL), marks the trials a dead search left running as failed,
and asks trials only while the study has fewer than n_trials; each job's directory is named by
its trial, so that job directory N holds trial N whichever process ran it. Several searches,
on one machine or on many nodes of a cluster, can so run one study at once (docs/sweeps.md).
"""
from __future__ import annotations

import logging
import os
import socket
import time
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

# optuna imports alembic, which logs a "setup plugin" line per plugin through Hydra's log.
logging.getLogger("alembic").setLevel(logging.WARNING)
log = logging.getLogger(__name__)
INTERRUPTED = "interrupted"  # the user attribute of a trial its search stopped before it ended
SURPLUS = "surplus"  # a trial asked while other searches filled the study: never run
OWNER = "search"  # host:pid of the search running a trial, to tell a dead search's trials
SETTINGS_ATTR = "settings"  # the study's user attribute: what every trial shares (check_study_settings)
UNOWNED_GRACE_S = 60  # a running trial without an owner is older than any search's first write
# What a Ctrl-C of this process says (a3c/__main__.py): set once a study with a storage starts.
resume_hint: str | None = None


def storage_of(url: str | None) -> Any:
    """hydra.sweeper.storage: a database URL (sqlite:///..., postgresql://...) as Optuna takes
    it, or a file path: a journal file, which many processes on a shared file system can write
    (optuna's lock is a symlink, safe on NFS, where sqlite's locking is not). None: in memory."""
    if url is None or "://" in url:
        return url
    import optuna

    Path(url).parent.mkdir(parents=True, exist_ok=True)
    return optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(url))


def open_study(name: str, storage: str | None, direction: str) -> Any:
    """The study, made by the first search that opens it (several may race: Optuna loads it then)."""
    import optuna

    if storage is not None and storage.startswith("sqlite:///"):
        Path(storage.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)  # sqlite makes no directory
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # its "Using an existing study" line says nothing here
    try:
        return optuna.create_study(study_name=name, storage=storage_of(storage), direction=direction,
                                   load_if_exists=True)
    finally:
        optuna.logging.set_verbosity(verbosity)


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


def counts(trial: Any) -> bool:
    """A trial that takes a place of the study's n_trials: all but those never run to an end."""
    return not (trial.user_attrs.get(INTERRUPTED) or trial.user_attrs.get(SURPLUS))


def release_dead_trials(study: Any) -> None:
    """A running trial whose search died without a Ctrl-C (kill -9, a lost node) would hold its
    place for ever: mark it interrupted when its search was on this machine and is gone, or when
    it has no owner (a study of an older search, which ran one command at a time)."""
    import optuna

    host, now = socket.gethostname(), time.time()
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        owner = trial.user_attrs.get(OWNER)
        if owner is None:
            dead = now - trial.datetime_start.timestamp() > UNOWNED_GRACE_S
        else:
            owner_host, _, pid = owner.rpartition(":")
            dead = owner_host == host and not pid_alive(int(pid))
        if dead:
            mark_not_run(study, trial, INTERRUPTED)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def mark_not_run(study: Any, trial: Any, reason: str) -> None:
    import optuna

    study._storage.set_trial_user_attr(trial._trial_id, reason, True)
    study._storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)


def ask_batch(study: Any, sweeper: Any, space: dict) -> list[Any]:
    """Up to n_jobs new trials, each with its values drawn. A trial numbered past the study's
    n_trials (other searches took the last places between our count and our ask) is marked
    surplus and not run: trial numbers are handed out in order by the storage, so this is exact."""
    batch = []
    for _ in range(sweeper.n_jobs):
        if sum(map(counts, study.get_trials(deepcopy=False))) >= sweeper.n_trials:
            break  # the study is full (finished, or running in this search or another)
        trial = study.ask()
        study._storage.set_trial_user_attr(trial._trial_id, OWNER, f"{socket.gethostname()}:{os.getpid()}")
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
            value = float(job.return_value)
        except Exception as err:  # noqa: BLE001 - any job error is that trial's failure
            log.warning("trial %d failed: %s", trial.number, err)
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            failures += 1
            continue
        study.tell(trial, value)
    if failures / len(batch) > sweeper.max_failure_rate:
        for job in returns:
            job.return_value  # raises the job's own error, with its traceback


def write_best(study: Any, sweep_dir: Path) -> None:
    """optimization_results.yaml, the best of the whole study (every search that ran it). No
    finished trial: nothing to write, and the end of the multirun lists the failed jobs."""
    import optuna

    if not study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        return
    best = study.best_trial
    log.info("best trial %d: %s = %s", best.number, best.params, best.value)
    OmegaConf.save(OmegaConf.create({"name": "optuna", "best_trial": best.number, "best_params": best.params,
                                     "best_value": best.value}), sweep_dir / "optimization_results.yaml")


def check_study_settings(sweeper_cfg: Any, settings: dict) -> None:
    """A study ranks trials of one experiment only: the first search records the settings every
    trial shares (all but the searched keys and bookkeeping), and a search that continues the
    study must have the same. Raises ValueError, one line naming the keys that differ."""
    if sweeper_cfg.get("storage") is None:
        return  # an in-memory study lives for one command: nothing to mix
    study = open_study(sweeper_cfg.study_name, sweeper_cfg.storage, sweeper_cfg.direction)
    recorded = study.user_attrs.get(SETTINGS_ATTR)
    if recorded is None:  # a new study, or one from before settings were recorded
        study.set_user_attr(SETTINGS_ATTR, settings)
        return
    changed = sorted(key for key in recorded.keys() | settings.keys() if recorded.get(key) != settings.get(key))
    if changed:
        shown = ", ".join(f"{key}={recorded.get(key)!r} then, {settings.get(key)!r} now" for key in changed)
        raise ValueError(f"study {sweeper_cfg.study_name} in {sweeper_cfg.storage} was started with other settings "
                         f"({shown}); a study never mixes settings: run with the same ones, or start a new study "
                         "(another hydra.sweep.dir or hydra.sweeper.study_name)")


def search_space(arguments: list[str]) -> tuple[list[str], dict[str, Any]]:
    """The overrides every trial shares, and the distribution of each searched key. Raises
    ValueError, one line, for a search space Optuna does not take."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    final = {o.key_or_group: o for o in OverridesParser.create().parse_overrides(arguments)}
    fixed = [o.input_line for o in final.values() if not o.is_sweep_override()]
    space = {}
    for key, override in final.items():
        if override.is_sweep_override():
            try:
                space[key] = distribution(override)
            except (ValueError, TypeError) as err:
                raise ValueError(f"{override.input_line} is not a search space Optuna takes: {err}") from None
    return fixed, space


def distribution(override: Any) -> Any:
    """interval(a, b) (tag(log, ...) for a log scale; ints give ints), choice(...), and
    range(...), an integer one stepped, any other as its list of values."""
    from hydra.core.override_parser.types import Transformer
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    value = override.value()
    if override.is_interval_sweep():
        log_scale = "log" in value.tags
        if isinstance(value.start, int) and isinstance(value.end, int):
            return IntDistribution(value.start, value.end, log=log_scale)
        return FloatDistribution(value.start, value.end, log=log_scale)
    choices = list(override.sweep_iterator(transformer=Transformer.encode))
    if not choices:
        raise ValueError("it has no value")
    if override.is_range_sweep() and not value.shuffle and all(isinstance(c, int) for c in (value.start, value.stop, value.step)):
        ints = sorted(int(c) for c in choices)
        return IntDistribution(ints[0], ints[-1], step=abs(value.step))
    if override.is_choice_sweep() or override.is_range_sweep():
        return CategoricalDistribution([c if isinstance(c, (str, int, float, bool, type(None))) else str(c) for c in choices])
    raise ValueError("only interval, choice and range are")


def search_space_bounds(arguments: list[str]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The overrides every trial shares, and one job's own per bound of the search space (each
    end of an interval, each choice): (the search space's override, [key=bound]).
    Raises ValueError, one line, for a search space Optuna does not take."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import Transformer

    fixed, _ = search_space(arguments)  # raises for a space Optuna refuses
    final = {o.key_or_group: o for o in OverridesParser.create().parse_overrides(arguments)}
    bounds = []
    for key, override in final.items():
        if not override.is_sweep_override():
            continue
        if override.is_interval_sweep():
            values = [str(override.value().start), str(override.value().end)]
        else:
            values = list(override.sweep_iterator(transformer=Transformer.encode))
        bounds += [(override.input_line, [f"{key}={value}"]) for value in values]
    return fixed, bounds
