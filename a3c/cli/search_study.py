"""The study of a search in its storage: opened by whichever search comes first, each trial
claimed by the search running it (host:pid), a dead search's running trials released, and the
settings every trial shares recorded and checked."""
from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from typing import Any

INTERRUPTED = "interrupted"  # the user attribute of a trial its search stopped before it ended
SURPLUS = "surplus"  # a trial asked while other searches filled the study: never run
OWNER = "search"  # host:pid of the search running a trial, to tell a dead search's trials
SETTINGS_ATTR = "settings"  # the study's user attribute: what every trial shares (check_study_settings)
SEARCH_SPACE = "search space of "  # its settings' keys for the searched ones: the value is the space, e.g. choice(5,20)
UNOWNED_GRACE_S = 60  # a running trial without an owner is older than any search's first write


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


def counts(trial: Any) -> bool:
    """A trial that takes a place of the study's n_trials: all but those never run to an end."""
    return not (trial.user_attrs.get(INTERRUPTED) or trial.user_attrs.get(SURPLUS))


def claim(study: Any, trial: Any) -> None:
    """Mark the trial as this search's, so that release_dead_trials can tell when its search died."""
    study._storage.set_trial_user_attr(trial._trial_id, OWNER, f"{socket.gethostname()}:{os.getpid()}")


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


def check_study_settings(sweeper_cfg: Any, settings: dict) -> None:
    """A study ranks trials of one experiment only: the first search records the settings every
    trial shares (all but the searched keys and bookkeeping) and its search space (keys
    SEARCH_SPACE + key), and a search that continues the study must have the same. Raises
    ValueError, one line naming the keys that differ."""
    if sweeper_cfg.get("storage") is None:
        return  # an in-memory study lives for one command: nothing to mix
    study = open_study(sweeper_cfg.study_name, sweeper_cfg.storage, sweeper_cfg.direction)
    recorded = study.user_attrs.get(SETTINGS_ATTR)
    if recorded is None:  # a new study, or one from before settings were recorded
        study.set_user_attr(SETTINGS_ATTR, settings)
        return
    spaces = {key: value for key, value in settings.items() if key.startswith(SEARCH_SPACE)}
    older = not any(key.startswith(SEARCH_SPACE) for key in recorded)  # recorded before search spaces were
    recorded = {**recorded, **spaces} if older else recorded
    changed = sorted(key for key in recorded.keys() | settings.keys() if recorded.get(key) != settings.get(key))
    if changed:
        shown = ", ".join(f"{key}={recorded.get(key)!r} then, {settings.get(key)!r} now" for key in changed)
        raise ValueError(f"study {sweeper_cfg.study_name} in {sweeper_cfg.storage} was started with other settings "
                         f"({shown}); a study never mixes settings: run with the same ones, or start a new study "
                         "(another hydra.sweep.dir or hydra.sweeper.study_name)")
    if older:
        study.set_user_attr(SETTINGS_ATTR, recorded)
