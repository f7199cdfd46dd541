"""The Hydra app behind `a3c-train` (a3c/__main__.py): compose the config, validate it, train."""
from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import sys
import traceback
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.plugins import Plugins
from hydra.types import RunMode
from omegaconf import DictConfig

from a3c import CONF_DIR
from a3c.cli.hooks import clear_failure, record_failure
from a3c.cli.sweep import tracking_names
from a3c.config.rules import ConfigError
from a3c.config.schema import Config, register_configs
from a3c.run import startup
from hydra_plugins.a3c_search.resumable_optuna_sweeper import ResumableOptunaSweeper

register_configs()
# Hydra's plugin scan misses a namespace package installed in editable mode (make install).
Plugins.instance().register(ResumableOptunaSweeper)
log = logging.getLogger(__name__)
_watching_the_sweep = False  # this process exits with the sweep's main process (a launcher's worker)


class JobFailed(Exception):
    """This run cannot give results: the message is the one line the user gets."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="train")
def main(cfg: DictConfig) -> float | None:
    single_run = HydraConfig.get().mode != RunMode.MULTIRUN
    startup.begin_job(single_run)
    startup.mark("config_composed")
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    if single_run:
        try:
            return train_job(cfg, run_dir)
        except JobFailed as failure:
            print(f"error: {failure}", file=sys.stderr)
            log.error("%s", failure)
            remove_if_unused(run_dir)
            sys.exit(failure.exit_code)
    # One job of a sweep: whatever it fails with fails only itself; the launcher goes on with
    # the rest, and the end of the sweep lists the failures (a3c/cli/hooks.py).
    _exit_with_the_sweep()
    clear_failure(run_dir)
    try:
        return train_job(cfg, run_dir)
    except JobFailed as failure:
        print(f"error: {failure}", file=sys.stderr)
        log.error("%s", failure)
        record_failure(run_dir, str(failure))
    except Exception as err:  # noqa: BLE001 - a bug in one job must not cost the others
        log.exception("the job failed")  # the traceback goes to the job's log
        record_failure(run_dir, f"{type(err).__name__}: {err} (the traceback is in the job's log)")
    return None


def _exit_with_the_sweep() -> None:
    """A job in a launcher's worker process (joblib's) dies with the sweep's main process, its
    parent, however that dies: left alone it would train on for its whole budget, and then
    wait for the next job."""
    global _watching_the_sweep
    if multiprocessing.parent_process() is not None and not _watching_the_sweep:
        from a3c.run.processes import exit_with

        exit_with(os.getppid())
        _watching_the_sweep = True  # once per worker process, which runs many jobs


def remove_if_unused(run_dir: Path) -> None:
    """A run refused before it wrote anything leaves no directory (Hydra made it, with its log)."""
    hydra_cfg = HydraConfig.get()
    if {path.name for path in run_dir.iterdir()} <= {hydra_cfg.output_subdir, f"{hydra_cfg.job.name}.log"}:
        shutil.rmtree(run_dir)
        for parent in run_dir.parents:  # outputs/<date>/, if this run was its only one
            if parent == Path.cwd() or not parent.is_relative_to(Path.cwd()) or any(parent.iterdir()):
                break
            parent.rmdir()


def train_job(cfg: DictConfig, run_dir: Path) -> float | None:
    from a3c.cli.preflight import checked_config
    from a3c.cli.validate import validate  # gymnasium loads only once the config has composed

    try:
        config: Config = checked_config(cfg)
    except ConfigError as err:
        raise JobFailed(str(err), exit_code=2) from None
    startup.mark("config_validated")

    from a3c.cli.resume import resumed_config
    from a3c.run import train  # torch and gymnasium load only once the config is known good
    from a3c.run.checkpoint import CheckpointError

    startup.mark("torch_loaded")

    try:
        resumed = resumed_config(config, list(HydraConfig.get().overrides.task), run_dir)
        if resumed is not config:
            validate(resumed)  # the checkpoint's config against today's rules
            config = resumed
    except (CheckpointError, ConfigError) as err:
        raise JobFailed(str(err), exit_code=2) from None
    log.info("%s on %s, %s, seed %d, %d steps; overrides: %s", config.algo.name, config.env.id, _workers(config),
             config.train.seed, config.train.total_steps, " ".join(HydraConfig.get().overrides.task) or "none")
    if config.train.resume:
        log.info("resuming from %s", config.train.resume)
    group, name = tracking_names(config.algo.name, config.train.seed)
    config.logger.group = config.logger.group or group
    config.logger.name = config.logger.name or name

    try:
        summary = train.run(config, run_dir)
    except CheckpointError as err:
        raise JobFailed(str(err), exit_code=2) from None
    except KeyboardInterrupt:  # a second Ctrl-C: no checkpoint of this moment
        print(f"\ninterrupted at once: results up to the last checkpoint are in {run_dir}", file=sys.stderr)
        sys.exit(130)
    except train.RunFailed as err:
        raise JobFailed(f"{err}; partial results and a checkpoint are in {run_dir}", exit_code=1) from None
    except Exception as err:  # an in-process worker's error (its env raised): as a Hogwild worker's is told
        traceback.print_exc()
        raise JobFailed(f"the run failed: {type(err).__name__}: {err}; partial results and a checkpoint are "
                        f"in {run_dir}", exit_code=1) from None
    if summary["stop_reason"] == train.INTERRUPTED:  # Ctrl-C or SIGTERM (preemption)
        print(f"interrupted: results and a checkpoint to resume from are in {run_dir}", file=sys.stderr)
        log.info("interrupted at global_step %d: a checkpoint to resume from is in the run directory", summary["global_step"])
        sys.exit(130)
    print(closing_line(run_dir, summary))
    log.info("%s; stopped: %s; %d steps in %.1f s", closing_line(run_dir, summary), summary["stop_reason"],
             summary["global_step"], summary["wall_seconds"])
    return objective(config.train.objective, summary, run_dir)


def _workers(config: Config) -> str:
    workers = config.workers
    return f"{workers.mode} {workers.count} worker{'s' * (workers.count > 1)} x {workers.envs_per_worker} env{'s' * (workers.envs_per_worker > 1)}"


def objective(name: str, summary: dict, run_dir: Path) -> float | None:
    """What a sweeper optimizes (train.objective); None when no episode finished, which
    Optuna's sweeper records as a failed trial."""
    if name == "last_100":
        return summary["mean_return_last_100"]
    with open(run_dir / "metrics.jsonl", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    returns = [row["charts/episodic_return"] for row in rows if "charts/episodic_return" in row]
    return sum(returns) / len(returns) if returns else None


def closing_line(run_dir: Path, summary: dict) -> str:
    """Where the results are, and the score rounded as a3c-report's tables round it."""
    mean, episodes = summary["mean_return_last_100"], summary["episodes"]
    if mean is None:
        return f"results: {run_dir} (no episode finished)"
    window = "the last 100 episodes" if episodes >= 100 else "its one episode" if episodes == 1 else f"its {episodes} episodes"
    return f"results: {run_dir} (mean return of {window}: {mean:.1f})"
