"""The checks of one job's composed config that need Hydra's view of it (which presets were
chosen), on top of validate(): run by a3c/cli/hooks.py before any directory or job exists."""
from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path

from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from a3c import CONF_DIR
from a3c.config.rules import ConfigError, require, typed_settings
from a3c.config.schema import Config

# Env presets that take any id of their family. Every other preset names one task: its name
# (the run directory's), target and tuned settings (conf/tuned/<algo>_<env>.yaml) are that task's.
ANY_ID_ENVS = {"gym": "", "atari": "ALE/", "minatar": "MinAtar/"}


# Hydra's and OmegaConf's words for a job that does not compose (no such group option, a value
# of the wrong type): bad input, as a ConfigError is.
COMPOSE_ERRORS = (HydraException, OmegaConfBaseException)

# Each job's config as the hooks checked it, by the job's composed config: the job takes it
# from here rather than checking it again (a job launched in a process of its own checks itself).
_CHECKED: dict[str, Config] = {}


def check_settings(config: DictConfig) -> Config:
    """The checks that need no env (and no gymnasium): before the Hogwild fork server starts,
    so that a bad value is refused at once. Returns the typed settings, for check_job."""
    return typed_settings(_task(config))


def check_job(config: DictConfig, settings: Config | None = None, job_will_run: bool = True) -> Config:
    """The typed, validated config of a job's whole composed config (hydra node included);
    settings: check_settings' result for it, if the caller has it. A job that will run in this
    process finds it in checked_config; a search space's bound (job_will_run False) is only checked."""
    from a3c.cli.validate import validate_env  # gymnasium: once the settings are known good

    task = _task(config)
    cfg = settings or typed_settings(task)
    validate_env(cfg)
    _check_env_preset(cfg.env.id, config.hydra.runtime.choices.get("env"))
    if job_will_run:
        _CHECKED[OmegaConf.to_yaml(task)] = cfg
    return cfg


def check_resume(config: DictConfig, cfg: Config) -> None:
    """A resume that train_job would refuse (another experiment, another run's directory), refused
    before Hydra writes its files into the directory: a refused run leaves the run it names as
    it was. Loads torch only where there is a checkpoint to read."""
    run_dir = Path(config.hydra.run.dir)
    if not cfg.train.resume and not (run_dir / "checkpoint.pt").is_file():
        return
    from a3c.cli.resume import resumed_config
    from a3c.run.checkpoint import CheckpointError, check_same_experiment, load_checkpoint, source_label

    try:
        if cfg.train.resume:  # reads the source and refuses what it would change, or another run's directory
            resumed_config(cfg, list(config.hydra.overrides.task), run_dir)
        else:  # the directory's own run goes on
            own = run_dir / "checkpoint.pt"
            check_same_experiment(load_checkpoint(own, source_label(own, run_dir, None))["config"], cfg, own, run_dir)
    except CheckpointError as err:
        raise ConfigError(str(err)) from None


def checked_config(task: DictConfig) -> Config:
    """The job's config (its task config, without the hydra node), checked once: as the hooks
    checked it in this process, else here."""
    checked = _CHECKED.pop(OmegaConf.to_yaml(task), None)
    if checked is not None:
        return checked
    from a3c.cli.validate import validated_config

    return validated_config(task)


def _task(config: DictConfig) -> DictConfig:
    task = copy.deepcopy(config)
    with open_dict(task):
        del task["hydra"]
    return task


def _check_env_preset(env_id: str, preset: str | None) -> None:
    preset_id = _preset_ids().get(preset)
    if preset_id is None or env_id == preset_id:
        return
    own = [name for name, id_ in _preset_ids().items() if id_ == env_id]
    family = next(name for name, prefix in reversed(ANY_ID_ENVS.items()) if env_id.startswith(prefix))
    instead = f"env={own[0]}" if own else f"env={family} env.id={env_id}"
    raise ConfigError(f"env.id={env_id!r} is not allowed: {preset_id} with env={preset}, whose run name, target "
                      f"and tuned settings are {preset_id}'s; for {env_id} use {instead}")


def _preset_ids() -> dict[str, str]:
    """The id each single-task env preset in conf/env/ names."""
    ids = {}
    for path in sorted((CONF_DIR / "env").glob("*.yaml")):
        if path.stem not in ANY_ID_ENVS:
            ids[path.stem] = OmegaConf.load(path).get("id")
    return ids


def config_warnings(cfg: Config) -> list[str]:
    """Settings that run, but not as the researcher likely means."""
    warnings, cores, train = [], len(os.sched_getaffinity(0)), cfg.train
    if cfg.workers.mode == "hogwild" and cfg.workers.count > cores:
        warnings.append(f"warning: workers.count={cfg.workers.count} Hogwild processes on {cores} cores: they take "
                        f"turns on the cores, each slower; workers.count={cores} fits this machine")
    if train.eval_every_steps > train.total_steps:
        warnings.append(f"warning: train.eval_every_steps={train.eval_every_steps} is past train.total_steps="
                        f"{train.total_steps}: no periodic evaluation will run")
    return warnings


def check_writable(key: str, directory: Path) -> None:
    """Hydra would fail creating it with a chain of tracebacks. Tried for real, then undone: a
    permission check cannot tell that /proc or a read-only mount takes no directory."""
    missing = [path for path in (directory, *directory.parents) if not path.exists()]  # deepest first
    existing = directory.parents[len(missing) - 1] if missing else directory
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=directory).close()
    except OSError as err:
        reason = f"{existing} is not a writable directory" if not existing.is_dir() else err.strerror or str(err)
        require(False, key, str(directory), f"a directory this user can create and write ({reason})")
    finally:
        for path in missing:  # Hydra makes it once the checks pass: a refused run leaves nothing
            try:
                path.rmdir()
            except OSError:
                pass


def why(err: Exception) -> str:
    """The error, with the first line of its cause: Hydra's "Error merging override algo.lr=abc"
    says which override, its cause why (a str that could not be converted to float)."""
    cause = str(err.__cause__).splitlines()[0] if err.__cause__ is not None and str(err.__cause__) else ""
    return f"{err}: {cause}" if cause and cause not in str(err) else str(err)
