"""Hydra callbacks (conf/train.yaml, hydra.callbacks): every check runs before Hydra creates a
run directory or starts a job, and the end of a sweep says how it went.

A single run is checked before its directory exists, so a refused one leaves nothing behind.
A sweep composes and checks every job first: a bad value in job 7 must not cost a night of
jobs 0 to 6 and then stop. Once jobs run, one that fails writes its error line into its own
directory (record_failure) and the launcher goes on with the rest.
"""
from __future__ import annotations

import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from a3c.cli.preflight import COMPOSE_ERRORS, check_writable, why
from a3c.cli.sweep_summary import FAILED_NAME, finished_jobs, sweep_summary
from a3c.config.rules import ConfigError
from a3c.config.schema import BOOKKEEPING_KEYS, flatten

BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"
OPTUNA_SWEEPER = "ResumableOptunaSweeper"  # ours (hydra_plugins/a3c_search, a3c/cli/search.py)


class Preflight(Callback):
    def __init__(self) -> None:
        self.jobs: int | None = None
        self.finished_before: set[Path] = set()  # a sweep run again into its directory continues
        self.failures_before: dict[Path, tuple] = {}  # an earlier sweep's, in this sweep's directory
        self.started_ns = time.time_ns()  # a job's summary.json written since: one of this sweep's

    # Hydra reports an exception raised in a callback as a warning and starts the job anyway:
    # a check that crashes must stop the run as a refusal does (SystemExit passes through).
    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        with _failing_closed():
            self._check_run(config)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        with _failing_closed():
            self._check_sweep(config)

    def _check_run(self, config: DictConfig) -> None:
        from a3c.cli.preflight import check_job, check_resume, check_settings, config_warnings

        try:
            check_writable("hydra.run.dir", Path(config.hydra.run.dir))
            settings = check_settings(config)  # a bad value is refused before anything starts
            _start_worker_server_if_needed(config)  # its imports run while the env is checked
            cfg = check_job(config, settings)
            check_resume(config, cfg)
        except ConfigError as err:
            _refuse([f"error: {err}"])
        warnings = config_warnings(cfg)
        if config.hydra.sweeper.get("params"):
            keys = ", ".join(config.hydra.sweeper.params)
            warnings.append(f"warning: this config sweeps {keys} (hydra.sweeper.params), which only a multirun "
                            "does: add -m to run the sweep; this is one run with the config's own values")
        _warn(warnings)

    def _check_sweep(self, config: DictConfig) -> None:
        from a3c.cli.preflight import check_job, config_warnings

        self.failures_before = _failures(Path(config.hydra.sweep.dir))
        self.started_ns = time.time_ns()

        self.finished_before = finished_jobs(Path(config.hydra.sweep.dir))
        jobs = sweep_jobs(config)
        if jobs is None:  # another sweeper chooses its jobs as it goes: each job checks itself
            if OPTUNA_SWEEPER in config.hydra.sweeper._target_:
                check_search_space(config)
            return
        self.jobs = len(jobs)
        try:
            check_writable("hydra.sweep.dir", Path(config.hydra.sweep.dir))
        except ConfigError as err:
            _refuse([f"error: {err}"])
        loader = GlobalHydra.instance().config_loader()
        errors: dict[str, list[int]] = defaultdict(list)
        warnings: list[str] = []
        for num, overrides in enumerate(jobs):
            try:
                cfg = check_job(loader.load_sweep_config(config, list(overrides)))
            except COMPOSE_ERRORS + (ConfigError,) as err:
                errors[why(err)].append(num)
                continue
            warnings += [w for w in config_warnings(cfg) if w not in warnings]
        if errors:
            _refuse([f"error: {message} (job{'s' * (len(nums) > 1)} {', '.join(map(str, nums))} of {len(jobs)})"
                     for message, nums in errors.items()] + ["no job of the sweep was started"])
        _warn(warnings)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        failed = sorted(path for path, stamp in _failures(sweep_dir).items() if self.failures_before.get(path) != stamp)
        print(sweep_summary(sweep_dir, self.jobs, self.finished_before, failed, self.started_ns), file=sys.stderr)
        if failed:
            sys.exit(1)


def _failures(sweep_dir: Path) -> dict[Path, tuple]:
    """Each failed job's record, by which file it is (a job run again writes a new one)."""
    return {path: (path.stat().st_ino, path.stat().st_mtime_ns) for path in sweep_dir.glob(f"**/{FAILED_NAME}")}


def sweep_jobs(config: DictConfig) -> list[list[str]] | None:
    """Each job's overrides, in the order and the numbering Hydra's basic sweeper gives them:
    the config's hydra.sweeper.params (the study presets), then the command line."""
    if config.hydra.sweeper._target_ != BASIC_SWEEPER:
        return None
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    params = config.hydra.sweeper.get("params") or {}
    arguments = [f"{key}={value}" for key, value in params.items()]
    arguments += OmegaConf.to_container(config.hydra.overrides.task)
    parser = OverridesParser.create(config_loader=GlobalHydra.instance().config_loader())
    return BasicSweeper.split_arguments(parser.parse_overrides(arguments), None)[0]


def check_search_space(config: DictConfig) -> None:
    """An Optuna search draws its jobs as it goes: check a job at each bound of the search
    space before the first trial, so that a value no run takes is one line, not a night of
    failed trials."""
    from a3c.cli.preflight import check_job
    from a3c.cli.search_space import search_space_bounds
    from a3c.cli.search_study import SEARCH_SPACE, check_study_settings

    params = config.hydra.sweeper.get("params") or {}
    arguments = [f"{key}={value}" for key, value in params.items()]
    arguments += OmegaConf.to_container(config.hydra.overrides.task)
    loader = GlobalHydra.instance().config_loader()
    try:
        check_writable("hydra.sweep.dir", Path(config.hydra.sweep.dir))
        fixed, bounds = search_space_bounds(arguments)
        # What every trial shares: checked, never run as a job of its own.
        shared = check_job(loader.load_sweep_config(config, fixed), job_will_run=False)
    except COMPOSE_ERRORS + (ValueError,) as err:  # a ConfigError, a search space Optuna refuses
        _refuse([f"error: {why(err)}"])
    errors = []
    for search_space, overrides in bounds:
        try:
            check_job(loader.load_sweep_config(config, fixed + overrides), job_will_run=False)
        except COMPOSE_ERRORS + (ConfigError,) as err:
            errors.append(f"error: {why(err)} (from the search space {search_space})")
    if errors:
        _refuse(errors + ["no trial of the search was started"])
    searched = {bound.split("=", 1)[0] for _, overrides in bounds for bound in overrides}
    try:  # last: it records the study's settings, which only a search that starts may do
        check_study_settings(config.hydra.sweeper, {
            **{key: value for key, value in flatten(asdict(shared)).items()
               if key not in searched and not key.startswith(BOOKKEEPING_KEYS)},
            **{SEARCH_SPACE + line.split("=", 1)[0]: line.split("=", 1)[1] for line, _ in bounds}})
    except ValueError as err:  # a study's other settings
        _refuse([f"error: {err}"])


def record_failure(job_dir: Path, message: str) -> None:
    """A failed job's error line, for the end of its sweep to list."""
    (job_dir / FAILED_NAME).write_text(message + "\n")


def clear_failure(job_dir: Path) -> None:
    (job_dir / FAILED_NAME).unlink(missing_ok=True)  # from an earlier sweep into the same directory


@contextmanager
def _failing_closed():
    try:
        yield
    except Exception as err:  # noqa: BLE001 - a bug in a check, not a bad value: still no run
        print(f"error: the start-up checks failed ({type(err).__name__}: {err}); nothing was started", file=sys.stderr)
        sys.exit(1)


def _refuse(lines: list[str]) -> None:
    print("\n".join(lines), file=sys.stderr)
    sys.exit(2)


def _warn(lines: list[str]) -> None:
    for line in lines:
        print(line, file=sys.stderr)


def _start_worker_server_if_needed(config: DictConfig) -> None:
    """A Hogwild run's fork server starts before the env checks, so that its imports run meanwhile."""
    if OmegaConf.select(config, "workers.mode") == "hogwild":
        from a3c.run.processes import start_worker_server

        start_worker_server()
