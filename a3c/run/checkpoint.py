"""Checkpoints: everything a run needs to go on exactly where it stopped, written atomically
(a temp file, then a rename), so a kill mid-write never costs the last good checkpoint."""
from __future__ import annotations

import os
import random
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from a3c.config.schema import BOOKKEEPING_KEYS, Config, flatten, saved_settings

CHECKPOINT_NAME = "checkpoint.pt"
# Keys that may differ on resume: budgets, bookkeeping, where results go. Any other change
# would make a different experiment.
# Bookkeeping, and the budgets and stop rule, which a resumed run may extend.
RESUMABLE_CHANGES = BOOKKEEPING_KEYS + ("train.total_steps", "train.max_minutes", "train.stop_at_target",
                                        "train.target_return", "train.objective")


class CheckpointError(ValueError):
    """A checkpoint that cannot be resumed: the message says which and why."""


def save_atomically(path: Path, payload: dict) -> None:
    """torch.save to a temp file, then a rename: the file is whole, or the old one stays."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as file:  # a file object: a missing directory is an OSError, not torch's RuntimeError
            torch.save(payload, file)
    except BaseException:
        tmp.unlink(missing_ok=True)  # half a file helps nobody; the last good checkpoint stays
        raise
    os.replace(tmp, path)


def load_checkpoint(path: Path, label: str | None = None) -> dict:
    """label: how an error names the file (default: as train.resume named it; source_label)."""
    label = label or f"train.resume={str(path)!r}"
    try:
        payload = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as err:  # noqa: BLE001 - torch raises many kinds for a damaged file
        raise CheckpointError(f"{label} is not a readable checkpoint ({type(err).__name__}: {err})") from None
    if not isinstance(payload, dict) or not {"model", "optimizer", "global_step", "config"} <= payload.keys():
        raise CheckpointError(f"{label} is not an a3c checkpoint")
    return payload


def resume_source(cfg: Config, run_dir: Path) -> Path | None:
    """train.resume (a run directory or a checkpoint file), else this run's own checkpoint if
    one is already there (a requeued job), else None. A run directory holding another run's
    checkpoint is refused: resuming into it would overwrite that run."""
    own = run_dir / CHECKPOINT_NAME
    if cfg.train.resume:
        path = _checkpoint_of(cfg.train.resume)
        if not path.is_file():
            raise CheckpointError(f"train.resume={cfg.train.resume!r}: no checkpoint there (expected a run directory or a {CHECKPOINT_NAME})")
        if not own.is_file() or path.parent.resolve() == run_dir.resolve():
            return path  # a new directory, or this run's own checkpoint (the latest, or one kept from before)
        if _resumed_from(own) == path.resolve():
            return own  # a requeued job of a resumed run: its own checkpoint is further on
        raise CheckpointError(f"hydra.run.dir={str(run_dir)!r} already holds another run ({own}): resume "
                              f"{cfg.train.resume!r} into a new directory, or continue that run without train.resume")
    return own if own.is_file() else None


def resumed_from(path: Path, saved: dict, run_dir: Path) -> str | None:
    """The run directory that a run resumed from checkpoint `path` (its contents `saved`)
    continues, if not its own: the checkpoint's run, or, for the run's own checkpoint, the one
    that run continued, as the checkpoint recorded it (older ones: as its train.resume says)."""
    origin = path.parent.resolve()
    if origin != run_dir.resolve():
        return str(origin)
    if "resumed_from" in saved:
        return saved["resumed_from"]
    earlier = saved_settings(saved["config"]).get("train.resume")
    origin = _checkpoint_of(earlier).parent.resolve() if earlier else origin
    return str(origin) if origin != run_dir.resolve() else None


def _checkpoint_of(resume: str) -> Path:
    """train.resume's checkpoint file: the path itself, or a run directory's (one that has
    since moved away still names a directory, not a file)."""
    path = Path(resume)
    return path / CHECKPOINT_NAME if path.is_dir() or (not path.exists() and path.suffix != ".pt") else path


def _resumed_from(checkpoint: Path) -> Path | None:
    """The checkpoint file the run of `checkpoint` was started from with train.resume, if any."""
    own = load_checkpoint(checkpoint, source_label(checkpoint, checkpoint.parent, None))
    resume = saved_settings(own["config"]).get("train.resume")
    return _checkpoint_of(resume).resolve() if resume else None


def refused_changes(before: dict, now: dict, keys=None) -> list[str]:
    """The keys (of `keys`, default all) whose change would make resuming another experiment:
    any but RESUMABLE_CHANGES. before and now are flat configs."""
    keys = sorted(before.keys() | now.keys()) if keys is None else keys
    return [key for key in keys if not key.startswith(RESUMABLE_CHANGES) and before.get(key) != now.get(key)]


def _resumes_own_unnamed(path: Path, run_dir: Path, resume: str | None) -> bool:
    """Whether `path` is the checkpoint already in the run's directory (a requeued job's, a
    sweep's job run again) and train.resume did not name it."""
    named = resume is not None and Path(resume).resolve() in (path.resolve(), path.parent.resolve())
    return not named and path.resolve() == (run_dir / CHECKPOINT_NAME).resolve()


def source_label(path: Path, run_dir: Path, resume: str | None) -> str:
    """How an error names the checkpoint a run resumes: train.resume's, where it names that one,
    else the one already in the run's directory."""
    if _resumes_own_unnamed(path, run_dir, resume):
        return f"the checkpoint already in this run directory ({path})"
    return f"train.resume={str(path)!r}"


# Named first when a run differs from its checkpoint in many keys: another env or algo is what
# the user changed, not the value_coef its preset brought along.
WHAT_IS_TRAINED = ("env.id", "algo.name", "model.name")


def check_same_experiment(saved: dict, cfg: Config, path: Path, run_dir: Path) -> None:
    before, now = saved_settings(saved), flatten(asdict(cfg))
    source = source_label(path, run_dir, cfg.train.resume)
    own = _resumes_own_unnamed(path, run_dir, cfg.train.resume)
    refused = sorted(refused_changes(before, now), key=lambda key: key not in WHAT_IS_TRAINED)
    if refused:
        key = refused[0]
        more = f" (and {len(refused) - 1} more setting{'s' if len(refused) > 2 else ''})" if len(refused) > 1 else ""
        raise CheckpointError(
            f"{source} was trained with {key}={before.get(key)!r}, this run has {key}={now.get(key)!r}{more}; only "
            f"budgets and logging may change on resume" + ("; another run directory starts afresh" if own else ""))


def rng_states() -> dict:
    return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}


def restore_rng_states(states: dict) -> None:
    torch.set_rng_state(states["torch"])
    np.random.set_state(states["numpy"])
    random.setstate(states["python"])

