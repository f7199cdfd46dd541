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
