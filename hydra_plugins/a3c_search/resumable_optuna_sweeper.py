"""hydra-optuna-sweeper's sweeper, made to continue its study (the work is in a3c/cli/search.py)."""
from __future__ import annotations

from typing import List

from hydra_plugins.hydra_optuna_sweeper.optuna_sweeper import OptunaSweeper


class ResumableOptunaSweeper(OptunaSweeper):
    """hydra.sweeper.n_trials is the study's total, not this command's share: running the same
    command again continues the study in its storage up to n_trials."""

    def sweep(self, arguments: List[str]) -> None:
        from a3c.cli.search import run_search  # optuna loads only once a search starts

        run_search(self.sweeper, arguments)
