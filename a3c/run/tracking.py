"""The only module that imports wandb. Only the parent process ever calls it.

W&B trouble must never cost a run: if it cannot start or fails later, the run goes on with
its local files (metrics.jsonl, summary.json) and says so once.
"""
from __future__ import annotations

import json
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
    """No-op sink; the base of the W&B one, and what logger=off uses (and a resumed run with
    nothing left to train, which keeps its checkpoint's W&B run id)."""

    def __init__(self, run_id: str | None = None):
        self._id = run_id

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
        return self._id


class WandbTracker(Tracker):
    """W&B in a thread of its own, which alone calls wandb: its import and init (about a second
    on our machine) overlap the run's start instead of delaying its first step, and no call
    here waits for W&B. The calls queue up in order until the run exists; finish() waits for
    them all. The run id is ours from the start, so a checkpoint can name it at once.

    A resumed run is a new W&B run that first logs the curve its checkpoint kept (replay: the
    resumed metrics.jsonl) and names its predecessor (resumed_from_wandb_run). Going on in the
    old W&B run would count twice what it received after the checkpoint (a kill -9 loses the
    lines after it locally, not in W&B), miss what W&B had not yet received, and an offline
    run's second part, synced, can overwrite its first."""

    def __init__(self, cfg: Config, run_dir: Path, resumed_from_id: str | None = None, replay: Path | None = None):
        self._id = _new_run_id()
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._failed = False
        rows = list(_logged_rows(replay)) if replay is not None else []
        self._thread = threading.Thread(target=self._serve, args=(cfg, run_dir, resumed_from_id, rows),
                                        name="wandb", daemon=True)
        self._thread.start()

    def _serve(self, cfg: Config, run_dir: Path, resumed_from_id: str | None, rows: list) -> None:
        run = None
        try:
            import wandb

            lineage = {"resumed_from_wandb_run": resumed_from_id} if resumed_from_id else {}
            run = wandb.init(
                id=self._id,
                project=cfg.logger.project,
                entity=cfg.logger.entity,
                group=cfg.logger.group,
                name=cfg.logger.name,
                tags=[cfg.env.id, cfg.workers.mode, *cfg.logger.tags],
                mode=cfg.logger.mode,
                dir=str(run_dir),
                job_type=cfg.algo.name,
                config={**_flat_config(cfg), **lineage},
                settings=wandb.Settings(console="off", silent=True),
            )
            run.define_metric("global_step")
            run.define_metric("*", step_metric="global_step")
            startup.mark("tracker_ready")
            for values, step in rows:
                run.log({**values, "global_step": step})
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

    def _guard(self, call, run) -> None:
        if self._failed:
            return
        try:
            call(run)
        except Exception as err:  # noqa: BLE001 - tracking is never worth a run
            self._failed = True
            print(f"warning: W&B failed ({type(err).__name__}: {err}); continuing with local files only", file=sys.stderr)


def _logged_rows(metrics: Path):
    """(values, global_step) of each line of a metrics.jsonl, as the recorder logged them; a line
    that does not read as one is left out (W&B is never worth a run)."""
    with open(metrics, encoding="utf-8") as lines:
        for line in lines:
            try:
                row = json.loads(line)
                step = row.pop("global_step")
            except (ValueError, KeyError, AttributeError, TypeError):
                continue
            row.pop("wall_time", None)  # the file's own clock, never logged
            yield row, step


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


def make_tracker(cfg: Config, run_dir: Path, resumed_from_id: str | None = None, replay: Path | None = None,
                 nothing_to_train: bool = False) -> Tracker:
    """A resumed run's: resumed_from_id, the W&B run of its checkpoint, and replay, the curve it
    goes on from (its metrics.jsonl, cut at the checkpoint). One that will stop at once (a
    finished job of a sweep run again) makes no W&B run: it would only repeat its predecessor."""
    if cfg.logger.backend == "off" or cfg.logger.mode == "disabled" or nothing_to_train:
        return Tracker(resumed_from_id)
    return WandbTracker(cfg, run_dir, resumed_from_id, replay)
