"""The only module that imports wandb. Only the parent process ever calls it.

W&B trouble must never cost a run: if it cannot start or fails later, the run goes on with
its local files (metrics.jsonl, summary.json) and says so once.
"""
from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

from a3c.config import Config, flatten


class Tracker:
    """No-op sink; the base of the W&B one, and what logger=off uses."""

    def log(self, values: dict, step: int) -> None:
        pass

    def summary(self, values: dict) -> None:
        pass

    def log_policy(self, path: Path, config: dict) -> None:
        pass

    def finish(self, exit_code: int = 0) -> None:
        pass

    @property
    def run_id(self) -> str | None:
        return None


class WandbTracker(Tracker):
    def __init__(self, cfg: Config, run_dir: Path, resume_id: str | None = None):
        import wandb

        self._run = wandb.init(
            id=resume_id,
            resume="allow" if resume_id else None,
            project=cfg.logger.project,
            entity=cfg.logger.entity,
            group=cfg.logger.group,
            name=cfg.logger.name,
            tags=[cfg.env.id, cfg.workers.mode, *cfg.logger.tags],
            mode=cfg.logger.mode,
            dir=str(run_dir),
            job_type=cfg.algo.name,
            config=_flat_config(cfg),
            settings=wandb.Settings(console="off", silent=True),
        )
        self._run.define_metric("global_step")
        self._run.define_metric("*", step_metric="global_step")
        self._failed = False

    def log(self, values: dict, step: int) -> None:
        self._guard(lambda: self._run.log({**values, "global_step": step}))

    def summary(self, values: dict) -> None:
        self._guard(lambda: self._run.summary.update(values))

    def log_policy(self, path: Path, config: dict) -> None:
        """The policy file as a W&B artifact of type model (offline runs keep it for `wandb sync`)."""
        import wandb

        def log() -> None:
            artifact = wandb.Artifact(f"policy-{self._run.id}", type="model", metadata=flatten(config))
            artifact.add_file(str(path))
            self._run.log_artifact(artifact, aliases=["latest", "final"])

        self._guard(log)

    def finish(self, exit_code: int = 0) -> None:
        self._guard(lambda: self._run.finish(exit_code=exit_code))

    @property
    def run_id(self) -> str | None:
        return self._run.id

    def _guard(self, call) -> None:
        if self._failed:
            return
        try:
            call()
        except Exception as err:  # noqa: BLE001 - tracking is never worth a run
            self._failed = True
            print(f"warning: W&B failed ({type(err).__name__}: {err}); continuing with local files only", file=sys.stderr)


def _flat_config(cfg: Config) -> dict:
    """Dotted keys (algo.n_steps, ...) so runs filter and group by them in the W&B UI."""
    return flatten(asdict(cfg))


def log_videos(run_dir: Path, cfg: Config, videos: list[Path], step: int) -> str | None:
    """a3c-eval's videos into the W&B run of the run that trained the policy (same run id, its
    logger's mode: offline by default), under eval/video at the policy's step. Returns the run
    id, or None when there is no W&B run to add to or W&B fails (the MP4s stay on disk)."""
    runs = sorted(run_dir.glob("wandb/*run-*_*-*"))  # (offline-)run-<date>_<time>-<id>; not latest-run
    if not runs or not videos or cfg.logger.backend == "off" or cfg.logger.mode == "disabled":
        return None
    run_id = runs[-1].name.rsplit("-", 1)[-1]
    try:
        import wandb

        with wandb.init(id=run_id, resume="allow", project=cfg.logger.project, entity=cfg.logger.entity,
                        mode=cfg.logger.mode, dir=str(run_dir), settings=wandb.Settings(console="off", silent=True)) as run:
            run.log({"eval/video": [wandb.Video(str(path), format="mp4") for path in videos], "global_step": step})
    except Exception as err:  # noqa: BLE001 - the videos are on disk either way
        print(f"warning: W&B could not take the videos ({type(err).__name__}: {err})", file=sys.stderr)
        return None
    return run_id


def make_tracker(cfg: Config, run_dir: Path, resume_id: str | None = None) -> Tracker:
    """resume_id: the W&B run of a checkpoint, so that a resumed run's curves go on in it."""
    if cfg.logger.backend == "off" or cfg.logger.mode == "disabled":
        return Tracker()
    try:
        return WandbTracker(cfg, run_dir, resume_id)
    except Exception as err:  # noqa: BLE001
        print(f"warning: W&B could not start ({type(err).__name__}: {err}); continuing with local files only", file=sys.stderr)
        return Tracker()
