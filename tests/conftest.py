"""Shared helpers: compose configs with Hydra's compose API, run the real CLI."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from a3c.config.schema import Config, register_configs

REPO = Path(__file__).resolve().parent.parent
CONF_DIR = str(REPO / "conf")

register_configs()


def make_config(*overrides: str) -> Config:
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return OmegaConf.to_object(compose("train", overrides=list(overrides)))


def run_cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "WANDB_SILENT": "true", "HYDRA_FULL_ERROR": "0"}
    return subprocess.run(
        [sys.executable, "-m", "a3c", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
    )


def ctrl_c_as_from_a_terminal() -> None:
    """preexec_fn for a CLI run that a test interrupts: SIGINT at its default, as in a terminal,
    even where the tests themselves were started in the background (a non-interactive shell's
    `&` ignores SIGINT, the ignore is inherited, and Python then leaves it ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def config():
    return make_config


# Test tiers (pyproject's markers; `make test-fast` runs what is neither). A test is `slow`
# when it starts the real command line, a subprocess or a training run, directly or through a
# helper of its module; `learning` when it asserts a score (tests/test_learning.py). Read from
# the source so that a new test lands in its tier without anyone remembering to mark it.
SLOW_CALLS = ("run_cli(", "subprocess.", "train.run(", "train_serial(", "run_hogwild(", "Popen(", "multiprocessing")


def pytest_collection_modifyitems(config, items):
    import inspect

    for item in items:
        module_source = inspect.getsource(item.module)
        source = inspect.getsource(item.function)
        helpers = [name for name, obj in vars(item.module).items()
                   if inspect.isfunction(obj) and obj.__module__ == item.module.__name__ and f"{name}(" in source]
        called = source + "".join(inspect.getsource(vars(item.module)[name]) for name in helpers)
        fixtures = [name for name in item.fixturenames if f"def {name}(" in module_source]
        called += "".join(inspect.getsource(vars(item.module)[name]) for name in fixtures if name in vars(item.module))
        if item.module.__name__ == "test_learning":
            item.add_marker(pytest.mark.learning)
        if item.module.__name__ == "test_learning" or any(call in called for call in SLOW_CALLS):
            item.add_marker(pytest.mark.slow)
