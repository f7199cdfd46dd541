"""`a3c-train` / `python -m a3c`: compose the config, validate it, train."""
from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from a3c.config import Config, ConfigError, register_configs
from a3c.sweep import tracking_names

register_configs()
# An absolute path: relative ones resolve as a Python package when run as a console script.
CONF_DIR = str(Path(__file__).resolve().parent.parent / "conf")


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="train")
def main(cfg: DictConfig) -> float | None:
    from a3c.validate import validated_config  # gymnasium loads only once the config has composed

    try:
        config: Config = validated_config(cfg)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    group, name = tracking_names(config.algo.name, config.train.seed)
    config.logger.group = config.logger.group or group
    config.logger.name = config.logger.name or name
    OmegaConf.save(cfg, run_dir / "config.yaml", resolve=True)

    from a3c import train  # torch and gymnasium load only once the config is known good
    from a3c.checkpoint import CheckpointError

    try:
        summary = train.run(config, run_dir)
    except CheckpointError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:  # a second Ctrl-C: no checkpoint of this moment
        print(f"\ninterrupted at once: results up to the last checkpoint are in {run_dir}", file=sys.stderr)
        sys.exit(130)
    except train.RunFailed as err:
        print(f"error: {err}; partial results and a checkpoint are in {run_dir}", file=sys.stderr)
        sys.exit(1)
    if summary["stop_reason"] == train.INTERRUPTED:  # Ctrl-C or SIGTERM (preemption)
        print(f"interrupted: results and a checkpoint to resume from are in {run_dir}", file=sys.stderr)
        sys.exit(130)
    print(f"results: {run_dir} (mean return of the last 100 episodes: {summary['mean_return_last_100']})")
    return summary["mean_return_last_100"]


if __name__ == "__main__":
    main()
