"""Our Optuna sweeper: Hydra hands it the search, a3c/cli/search.py runs it. It replaces
hydra-optuna-sweeper, whose 1.3 line pins optuna < 3 and whose Optuna 4+ line needs a Hydra
release candidate (docs/sweeps.md, "Why our own sweeper")."""
from __future__ import annotations

from typing import Any

from hydra.core.plugins import Plugins
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig


class ResumableOptunaSweeper(Sweeper):
    """hydra.sweeper.n_trials is the study's total, not this command's share: running the same
    command again, or several at once against one storage, continues the study up to n_trials."""

    def __init__(self, sampler: DictConfig, direction: str, storage: str | None, study_name: str,
                 n_trials: int, n_jobs: int, max_failure_rate: float, params: DictConfig | None = None) -> None:
        self.sampler = sampler  # a config: each trial makes its own, seeded by its number (search.py)
        self.direction, self.storage, self.study_name = direction, storage, study_name
        self.n_trials, self.n_jobs, self.max_failure_rate = n_trials, n_jobs, max_failure_rate
        self.params = params or {}
        self.config: DictConfig | None = None
        self.launcher: Any = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.config = config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config)

    def sweep(self, arguments: list[str]) -> None:
        from a3c.cli.search import run_search  # optuna loads only once a search starts

        run_search(self, arguments)
