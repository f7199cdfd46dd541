"""Names that make a Hydra sweep's runs comparable in W&B with no clicking.

The group is the sweep; a run's name lists the overrides that vary across the sweep, with
the seed last, so that seeds of one setting share a name prefix and W&B's "group by" averages
them: `a3c-n_steps=20-entropy_coef=0-seed=3`. The Optuna sweeper's values are drawn from
intervals, so floats are named by 3 significant digits: `a3c-lr=0.000412-entropy_coef=0.0031-seed=0`.
"""
from __future__ import annotations

from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import RunMode
from omegaconf import OmegaConf

from a3c.config.schema import short_value

SEED_KEY = "train.seed"


def varying_keys(sweep_overrides: list[str]) -> list[str]:
    """Keys the sweep gives several values (`a=1,2`, `range(3)`, `choice(...)`, and the Optuna
    sweeper's `interval(...)`), in order.

    The overrides come in the order Hydra applies them: config sweeper params, then the
    command line."""
    final = {}  # a key given again (on the command line after a preset) replaces the earlier value
    for override in OverridesParser.create().parse_overrides(sweep_overrides):
        final[override.key_or_group] = override
    return [key for key, override in final.items() if override.is_sweep_override()]


def run_name(algo_name: str, seed: int, job_overrides: list[str], varying: list[str]) -> str:
    values = {o.key_or_group: o.value() for o in OverridesParser.create().parse_overrides(job_overrides)}
    parts = [algo_name]
    for key in varying:
        if key not in (SEED_KEY, "algo") and key in values:
            parts.append(f"{key.split('.')[-1]}={short_value(values[key])}")
    parts.append(f"seed={seed}")
    return "-".join(parts)


def tracking_names(algo_name: str, seed: int) -> tuple[str | None, str]:
    """(group, name) for the current Hydra job: the group is None outside a multirun."""
    hydra_cfg = HydraConfig.get()
    job_overrides = list(hydra_cfg.overrides.task)
    if hydra_cfg.mode != RunMode.MULTIRUN:
        return None, run_name(algo_name, seed, job_overrides, [])
    sweep_dir = Path(hydra_cfg.sweep.dir)
    return sweep_dir.name, run_name(algo_name, seed, job_overrides, varying_keys(_sweep_overrides(sweep_dir)))


def _sweep_overrides(sweep_dir: Path) -> list[str]:
    # Hydra saves the sweep's own command-line overrides in multirun.yaml before any job starts;
    # a job sees only its own expanded values, and under joblib not the original argv either.
    # Sweeps set in a config (hydra.sweeper.params, as conf/experiment/*.yaml do) count too.
    # The Optuna sweeper writes no multirun.yaml of its own: a3c/cli/search.py writes it.
    multirun_yaml = sweep_dir / "multirun.yaml"
    if not multirun_yaml.exists():
        return []
    hydra_node = OmegaConf.load(multirun_yaml).hydra
    params = hydra_node.sweeper.get("params") or {}
    return [f"{key}={value}" for key, value in params.items()] + list(hydra_node.overrides.task)
