"""Searches with Hydra's Optuna sweeper that survive an interruption.

hydra-optuna-sweeper runs n_trials new trials on every call and numbers its jobs from 0, so a
second call of an interrupted search would start over, into the first call's job directories.
continue_study makes hydra.sweeper.n_trials the study's total: it finds the study in its
storage (sqlite in the sweep directory), marks the trials that an interruption left running
as failed, runs only the trials still missing, and numbers each job by its trial, so that job
directory N holds trial N.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

# optuna imports alembic, which logs a "setup plugin" line per plugin through Hydra's log.
logging.getLogger("alembic").setLevel(logging.WARNING)
INTERRUPTED = "interrupted"  # the user attribute of a trial a Ctrl-C left running
SETTINGS_ATTR = "settings"  # the study's user attribute: what every trial shares (check_study_settings)
# What a Ctrl-C of this process says (a3c/__main__.py): set once a study with a storage starts.
resume_hint: str | None = None


def run_search(sweeper: Any, arguments: list[str]) -> None:
    """Continue the study, then sweep. When no trial has finished, the sweeper fails looking for
    the best one: end the search instead, and the end of the multirun lists the failed jobs
    (a3c/cli/hooks.py)."""
    continue_study(sweeper)
    try:
        sweeper.sweep(arguments)
    except ValueError:
        if sweeper.storage is None or completed_trials(sweeper):
            raise


def completed_trials(sweeper: Any) -> int:
    import optuna

    study = optuna.load_study(study_name=sweeper.study_name, storage=sweeper.storage)
    return len(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)))


def continue_study(sweeper: Any) -> None:
    """Prepare an OptunaSweeperImpl (set up, not yet sweeping) to continue its study."""
    import optuna

    config = sweeper.config
    sweep_dir = Path(config.hydra.sweep.dir)
    sweep_dir.mkdir(parents=True, exist_ok=True)  # sqlite creates the file, not its directory
    # The basic sweeper leaves this record of the sweep, which W&B run names read (a3c/cli/sweep.py).
    OmegaConf.save(config, sweep_dir / "multirun.yaml")
    if sweeper.storage is None:
        return  # an in-memory study: nothing to continue
    global resume_hint
    resume_hint = (f"study {sweeper.study_name} in {sweeper.storage} keeps the finished trials; "
                   "the same command continues it")
    storage = optuna.storages.get_storage(sweeper.storage)
    if sweeper.study_name not in {summary.study_name for summary in optuna.get_all_study_summaries(storage)}:
        return  # a new study: the sweeper creates it
    study = optuna.load_study(study_name=sweeper.study_name, storage=storage, sampler=sweeper.sampler)
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        # One search runs a study at a time, so a running trial is one a Ctrl-C cut short.
        study._storage.set_trial_user_attr(trial._trial_id, INTERRUPTED, True)
        study._storage.set_trial_state(trial._trial_id, optuna.trial.TrialState.FAIL)
    trials = study.get_trials(deepcopy=False)
    finished = [t for t in trials if t.state.is_finished() and not t.user_attrs.get(INTERRUPTED)]
    sweeper.n_trials = max(0, sweeper.n_trials - len(finished))
    sweeper.job_idx = len(trials)  # the sweeper's next trial number
    reseed(sweeper.sampler, OmegaConf.select(config, "hydra.sweeper.sampler.seed"), len(trials))


def check_study_settings(sweeper_cfg: Any, settings: dict) -> None:
    """A study ranks trials of one experiment only: the first search records the settings every
    trial shares (all but the searched keys and bookkeeping), and a search that continues the
    study must have the same. Raises ValueError, one line naming the keys that differ."""
    storage_url, name = sweeper_cfg.get("storage"), sweeper_cfg.study_name
    if storage_url is None:
        return  # an in-memory study lives for one command: nothing to mix
    import optuna

    if storage_url.startswith("sqlite:///"):
        Path(storage_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    direction = sweeper_cfg.direction
    directions = list(direction) if isinstance(direction, (list, tuple)) or OmegaConf.is_list(direction) else [direction]
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # its "Using an existing study" line says nothing here
    try:
        study = optuna.create_study(study_name=name, storage=storage_url, directions=directions, load_if_exists=True)
    finally:
        optuna.logging.set_verbosity(verbosity)
    recorded = study.user_attrs.get(SETTINGS_ATTR)
    if recorded is None:  # a new study, or one from before settings were recorded
        study.set_user_attr(SETTINGS_ATTR, settings)
        return
    changed = sorted(key for key in recorded.keys() | settings.keys() if recorded.get(key) != settings.get(key))
    if changed:
        shown = ", ".join(f"{key}={recorded.get(key)!r} then, {settings.get(key)!r} now" for key in changed)
        raise ValueError(f"study {name} in {storage_url} was started with other settings ({shown}); a study never "
                         "mixes settings: run with the same ones, or start a new study (another hydra.sweep.dir or "
                         "hydra.sweeper.study_name)")


def reseed(sampler: Any, seed: int | None, trials_so_far: int) -> None:
    """A seeded sampler made anew would draw the first call's values again: continue from
    seed + the number of trials so far instead (optuna 2.10 keeps its RandomState in _rng)."""
    if seed is None or trials_so_far == 0:
        return
    import numpy as np

    for part in (sampler, getattr(sampler, "_random_sampler", None)):  # TPE's start-up trials
        if hasattr(part, "_rng"):
            part._rng = np.random.RandomState(seed + trials_so_far)


def search_space_bounds(arguments: list[str]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The overrides every trial shares, and one job's own per bound of the search space (each
    end of an interval, each choice): (the search space's override, [key=bound]).
    Raises ValueError, one line, for a search space Optuna does not take."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import Transformer

    from hydra_plugins.hydra_optuna_sweeper._impl import create_optuna_distribution_from_override

    final = {o.key_or_group: o for o in OverridesParser.create().parse_overrides(arguments)}
    fixed = [o.input_line for o in final.values() if not o.is_sweep_override()]
    bounds = []
    for key, override in final.items():
        if not override.is_sweep_override():
            continue
        try:
            create_optuna_distribution_from_override(override)
        except (ValueError, AssertionError, NotImplementedError) as err:
            raise ValueError(f"{override.input_line} is not a search space Optuna takes: {err}") from None
        if override.is_interval_sweep():
            values = [str(override.value().start), str(override.value().end)]
        else:
            values = list(override.sweep_iterator(transformer=Transformer.encode))
        bounds += [(override.input_line, [f"{key}={value}"]) for value in values]
    return fixed, bounds
