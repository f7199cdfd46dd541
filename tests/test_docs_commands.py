"""The commands README.md and docs/ show work as pasted: every a3c-train line composes into a
valid config (its keys, options and values exist), every a3c-eval key is an eval.* or env.*
key, every a3c-report flag exists, and every make target is in the Makefile. Placeholders
(`<run>`) and Hydra's own settings (hydra.*) are taken as written, not checked."""
import dataclasses
import re
import shlex
from pathlib import Path

import pytest
from conftest import make_config

from a3c.config.schema import EnvConfig, EvalConfig

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMANDS = ("a3c-train", "a3c-eval", "a3c-report", "make")
SWEEP_FUNCTIONS = re.compile(r"^(choice|interval|range|tag|glob)\(")


def shown_commands() -> list[tuple[str, list[str]]]:
    """(where, words) of each command in a fenced or indented code block (continued lines
    joined) or in an inline code span of the prose."""
    found = []
    for document in DOCUMENTS:
        in_fence, pending = False, ""
        for line in document.read_text(encoding="utf-8").splitlines():
            if line.startswith("```"):
                in_fence = not in_fence
                continue
            code = line if in_fence else (line[4:] if line.startswith("    ") else None)
            if code is None:
                found += [(f"{document.name}: {span}", span.split()) for span in re.findall(r"`([^`]+)`", line)
                          if span.split(" ")[0] in COMMANDS]
                continue
            code = pending + code.strip()
            if code.endswith("\\"):
                pending = code[:-1] + " "
                continue
            pending = ""
            if code.split(" ")[0] not in COMMANDS:
                continue
            words = shlex.split(code, comments=True)
            if words:
                found.append((f"{document.name}: {code}", words))
    return found


def overrides_to_check(words: list[str]) -> list[str]:
    """A sweep's first value of each key; placeholders, Hydra's settings and search spaces left out."""
    checked = []
    for word in words:
        if word.startswith("-") or "=" not in word or "<" in word or word.startswith(("hydra.", "hydra/")):
            continue
        key, value = word.split("=", 1)
        if SWEEP_FUNCTIONS.match(value):
            continue
        checked.append(f"{key}={value.split(',')[0] if '[' not in value else value}")
    return checked


COMMAND_LINES = shown_commands()


def test_the_docs_show_commands_of_every_kind():
    assert {words[0] for _, words in COMMAND_LINES} == set(COMMANDS)


@pytest.mark.parametrize("where,words", [c for c in COMMAND_LINES if c[1][0] == "a3c-train"], ids=lambda c: str(c)[:80])
def test_an_a3c_train_command_composes_into_a_valid_config(where, words):
    from a3c.config.rules import validate_settings

    cfg = make_config(*overrides_to_check(words[1:]))
    validate_settings(cfg)


def test_every_a3c_eval_key_shown_exists():
    allowed = {f"eval.{f.name}" for f in dataclasses.fields(EvalConfig)} | {f"env.{f.name}" for f in dataclasses.fields(EnvConfig)}
    shown = {word.split("=")[0] for _, words in COMMAND_LINES if words[0] == "a3c-eval" for word in words[1:] if "=" in word}
    assert shown and shown <= allowed, shown - allowed


def test_every_a3c_report_flag_shown_exists(capsys):
    from a3c.report.main import main

    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = capsys.readouterr().out
    flags = {word.lstrip("[").split("=")[0].rstrip("]") for _, words in COMMAND_LINES if words[0] == "a3c-report" for word in words
             if word.lstrip("[").startswith("--")}
    assert flags and all(flag in help_text for flag in flags), flags


def test_every_make_target_shown_is_in_the_makefile():
    makefile = (ROOT / "Makefile").read_text()
    explicit = set(re.findall(r"^([\w-]+):", makefile, flags=re.M))
    patterns = [re.escape(p).replace("%", ".+") for p in re.findall(r"^([\w-]*%[\w-]*):", makefile, flags=re.M)]
    targets = {word for _, words in COMMAND_LINES if words[0] == "make" for word in words[1:2] if "=" not in word}
    unknown = [t for t in targets if t not in explicit and not any(re.fullmatch(p, t) for p in patterns)]
    assert targets and not unknown, unknown
