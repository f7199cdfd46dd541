"""A misspelt key on the command line, refused before Hydra composes anything.

Hydra answers `algo.entropy_cof=0.1` with seven lines that advise `+algo.entropy_cof=0.1`,
which would add the typo as a new key; in a sweep it warns, prints the message twice and
leaves an empty multirun directory. Checked against the schema first, a misspelt key is one
line that names the key meant, exit 2, and no directory.
"""
from __future__ import annotations

import dataclasses
import difflib
import sys
import typing

from a3c import CONF_DIR
from a3c.config.schema import Config

NOT_SCHEMA_KEYS = ("hydra", "experiment", "tuned")  # Hydra's own node, and groups the schema has no field for


def unknown_key(argument: str) -> str | None:
    """The one-line refusal of a `key=value` override whose key the schema lacks, or None."""
    if argument.startswith(("-", "+", "~")) or "=" not in argument:
        return None  # flags, additions (checked after composing: a3c/cli/validate.py), deletions
    key, value = argument.split("=", 1)
    if "@" in key or "/" in key or key.split(".")[0] in NOT_SCHEMA_KEYS:
        return None
    parts, schema = key.split("."), Config
    for depth, part in enumerate(parts):
        fields = typing.get_type_hints(schema)
        if part not in fields:
            close = difflib.get_close_matches(part, list(fields), n=1)
            meant = ".".join(parts[:depth] + close[:1] + parts[depth + 1:])
            hint = f"; did you mean {meant}?" if close else ""
            where = ".".join(parts[:depth]) or "the config"
            return f"error: {key}={value} is not allowed: {where} has no such key{hint}"
        schema = fields[part]
        if not dataclasses.is_dataclass(schema):
            return None  # a value's key (a list, a plain field): Hydra checks the rest
    return None


def unknown_tuned(argument: str) -> str | None:
    """The refusal of a `tuned=` choice with no file: the group is optional, so Hydra would
    drop the algo-env pair's own tuning without a word."""
    key, equals, _ = argument.lstrip("+").partition("=")
    if key != "tuned" or not equals:
        return None
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import ChoiceSweep

    try:  # Hydra's own reading: quotes, `a, b`, choice(...), null
        [override] = OverridesParser.create().parse_overrides([argument])
    except Exception:  # noqa: BLE001 - Hydra says what is wrong with the syntax, after this
        return None
    value = override.value()
    choices = value.list if isinstance(value, ChoiceSweep) else [value]  # a glob or range: Hydra's to expand
    allowed = sorted(path.stem for path in (CONF_DIR / "tuned").glob("*.yaml"))
    unknown = [choice for choice in choices if isinstance(choice, str) and choice not in allowed]
    if not unknown:
        return None
    return (f"error: tuned={unknown[0]}: no such tuned preset; allowed: {', '.join(allowed)}, or null for none "
            "(by default each algo-env pair takes its own, conf/tuned/<algo>_<env>.yaml, where there is one)")


def refuse_unknown_keys(arguments: list[str]) -> None:
    for argument in arguments:
        if (refusal := unknown_key(argument) or unknown_tuned(argument)) is not None:
            print(refusal, file=sys.stderr)
            sys.exit(2)
