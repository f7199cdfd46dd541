"""A run directory's files read back, or one reason why they cannot be (UnreadableRun): the
report then leaves the run out and says so, rather than stopping with a traceback."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import yaml


class UnreadableRun(ValueError):
    """A run directory whose files do not parse: the message names the file and why."""


def read_mapping(path: Path) -> dict:
    """summary.json, eval.json or config.yaml: one mapping."""
    try:
        value = json.loads(path.read_text()) if path.suffix == ".json" else yaml.safe_load(path.read_text())
    except (json.JSONDecodeError, yaml.YAMLError, UnicodeDecodeError) as err:
        raise UnreadableRun(f"{path}: {type(err).__name__}: {err}".splitlines()[0]) from None
    if not isinstance(value, dict):
        raise UnreadableRun(f"{path}: holds no settings")
    return value


def json_rows(path: Path) -> Iterator[dict]:
    """metrics.jsonl or evals.jsonl, one object per line. A last line half written (the run or
    a3c-eval is writing it, or was killed mid-line) is not read."""
    try:
        with open(path, encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    if line.startswith("{") and not line.endswith("\n"):
                        return
                    raise UnreadableRun(f"{path}: line {number} is not JSON") from None
                if not isinstance(row, dict):
                    raise UnreadableRun(f"{path}: line {number} is not a JSON object")
                yield row
    except UnicodeDecodeError:
        raise UnreadableRun(f"{path}: not UTF-8 text") from None
