"""The only module that imports wandb. Only the parent process ever calls it.

W&B trouble must never cost a run: if it cannot start or fails later, the run goes on with
its local files (metrics.jsonl, summary.json) and says so once.
"""
from __future__ import annotations

import queue
import secrets
import string
import sys
import threading
from dataclasses import asdict
from pathlib import Path

from a3c.config.schema import Config, flatten
from a3c.run import startup


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
    """W&B in a thread of its own, which alone calls wandb: its import and init (about a second
    on our machine) overlap the run's start instead of delaying its first step, and no call
    here waits for W&B. The calls queue up in order until the run exists; finish() waits for
    them all. The run id is ours from the start, so a checkpoint can name it at once."""

    def __init__(self, cfg: Config, run_dir: Path, resume_id: str | None = None):
        self._id = resume_id or _new_run_id()
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._failed = False
        self._thread = threading.Thread(target=self._serve, args=(cfg, run_dir, resume_id is not None),
                                        name="wandb", daemon=True)
        self._thread.start()

    def _serve(self, cfg: Config, run_dir: Path, resuming: bool) -> None:
        run = None
        try:
            import wandb

            run = wandb.init(
                id=self._id,
                resume="allow" if resuming else None,
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
            run.define_metric("global_step")
            run.define_metric("*", step_metric="global_step")
            startup.mark("tracker_ready")
        except Exception as err:  # noqa: BLE001 - tracking is never worth a run
            print(f"warning: W&B could not start ({type(err).__name__}: {err}); continuing with local files only",
                  file=sys.stderr)
            self._failed = True
        while (call := self._calls.get()) is not None:
            self._guard(call, run)

    def log(self, values: dict, step: int) -> None:
        row = {**values, "global_step": step}
        self._calls.put(lambda run: run.log(row))

    def summary(self, values: dict) -> None:
        self._calls.put(lambda run: run.summary.update(values))

    def log_policy(self, path: Path, config: dict) -> None:
        """The policy file as a W&B artifact of type model (offline runs keep it for `wandb sync`)."""

        def log(run) -> None:
            import wandb

            artifact = wandb.Artifact(f"policy-{run.id}", type="model", metadata=flatten(config))
            artifact.add_file(str(path))
            run.log_artifact(artifact, aliases=["latest", "final"])

        self._calls.put(log)

    def finish(self, exit_code: int = 0) -> None:
        self._calls.put(lambda run: run.finish(exit_code=exit_code))
        self._calls.put(None)
        self._thread.join()

    @property
    def run_id(self) -> str | None:
        return self._id

    def _guard(self, call, run) -> None:
        if self._failed:
            return
        try:
            call(run)
        except Exception as err:  # noqa: BLE001 - tracking is never worth a run
            self._failed = True
            print(f"warning: W&B failed ({type(err).__name__}: {err}); continuing with local files only", file=sys.stderr)


def _new_run_id() -> str:
    """Eight lowercase letters and digits, as W&B's own ids."""
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(8))


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
    return WandbTracker(cfg, run_dir, resume_id)
