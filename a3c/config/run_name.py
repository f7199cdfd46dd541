"""The name a run's directory ends with, <algo>-<env> (conf/train.yaml: hydra.run.dir). A resumed
run is composed from the defaults (CartPole) before its checkpoint's config replaces them, so
without this a resumed Pong run would land in a directory named a3c-cartpole."""
from __future__ import annotations

from pathlib import Path

from omegaconf import OmegaConf

RESOLVER = "run_name"


def run_name(algo: str, env: str, resume: str | None = None) -> str:
    """<algo>-<env> of the composed config, or of the run train.resume names (a run directory or
    a checkpoint in one) where that run's config.yaml can be read."""
    if resume:
        source = Path(str(resume))
        saved = (source if source.is_dir() else source.parent) / "config.yaml"
        if saved.is_file():
            cfg = OmegaConf.load(saved)
            algo = OmegaConf.select(cfg, "algo.name", default=algo)
            env = OmegaConf.select(cfg, "env.name", default=env)
    return f"{algo}-{env}"


def register_run_name() -> None:
    if not OmegaConf.has_resolver(RESOLVER):
        OmegaConf.register_new_resolver(RESOLVER, run_name)
