"""train.resume=<run dir>: go on with the checkpoint's own config, so that nobody retypes the
overrides of the run they resume. The command line still decides the keys it names (or the
groups it chooses), and among those only budgets and logging may differ from the checkpoint."""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from a3c.config.schema import Config, flatten, saved_settings
from a3c.run.checkpoint import CheckpointError, load_checkpoint, refused_changes, resume_source, source_label


def resumed_config(composed: Config, overrides: list[str], run_dir: Path) -> Config:
    """The checkpoint's config with the command line's allowed changes. Raises CheckpointError
    naming every refused change at once."""
    if not composed.train.resume:
        return composed  # a requeued job's own checkpoint comes with the same command line
    path = resume_source(composed, run_dir)
    now = flatten(asdict(composed))
    label = source_label(path, run_dir, composed.train.resume)
    saved = saved_settings(load_checkpoint(path, label)["config"])
    named = named_keys(overrides, now)
    refused = refused_changes(saved, now, named)
    if refused:
        raise CheckpointError(_refusal(label, refused, saved, now))
    merged = {key: now[key] if key in named else saved.get(key, now[key]) for key in now}
    return OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(Config), _nested(merged)))


def named_keys(overrides: list[str], keys: dict) -> list[str]:
    """The config keys the command line sets: `algo.lr=...` names one, `algo=a2c` all of algo."""
    named = []
    for override in OverridesParser.create().parse_overrides(overrides):
        prefix = override.key_or_group
        named += [key for key in keys if key == prefix or key.startswith(prefix + ".")]
    return named


def _refusal(where: str, refused: list[str], saved: dict, now: dict) -> str:
    if "env.id" in refused:
        return (f"{where} was trained on {saved['env.id']}, this run asks for {now['env.id']}: another env is "
                "another experiment; start it without train.resume")
    before = ", ".join(f"{key}={saved.get(key)!r}" for key in refused)
    after = ", ".join(f"{key}={now[key]!r}" for key in refused)
    return (f"{where} was trained with {before}; this run has {after}; only budgets and logging may change on "
            "resume (leave the others out: the checkpoint's config is used)")


def _nested(flat: dict) -> dict:
    """{"algo.lr": 1e-3} -> {"algo": {"lr": 1e-3}}: the inverse of config.flatten."""
    nested: dict = {}
    for key, value in flat.items():
        *parents, leaf = key.split(".")
        node = nested
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    return nested
