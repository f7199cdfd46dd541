"""Every repository path the docs and the configs name exists: README.md, docs/, experiments/,
benchmarks/ and the comments of conf/**/*.yaml name files that moved before (a3c/atari.py)."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP_LEVEL = ("a3c/", "conf/", "docs/", "experiments/", "benchmarks/", "tests/", "hydra_plugins/", ".ci/")
TOP_FILES = ("README.md", "Makefile", "pyproject.toml", "requirements.lock", "requirements-bench.lock")
# A path as prose names it: from a top-level folder, up to a space, quote, bracket or comma;
# `<run>`, `*` and `{…}` make a pattern, not a path.
NAMED_PATH = re.compile(r"(?<![\w./<-])((?:%s)[\w./-]*)" % "|".join(re.escape(top) for top in TOP_LEVEL))
MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def documents() -> list[Path]:
    found = [ROOT / "README.md", *ROOT.glob("docs/**/*.md"), *ROOT.glob("experiments/**/*.md"),
             *ROOT.glob("benchmarks/**/*.md"), *ROOT.glob("conf/**/*.yaml")]
    return sorted(path for path in found if path.is_file())


def named_paths(document: Path) -> list[tuple[str, Path]]:
    """(as written, where it points): root paths from the repository root; markdown links from the file."""
    text = document.read_text(encoding="utf-8")
    named = [(name, ROOT / name.rstrip(".,:;")) for name in NAMED_PATH.findall(text)]
    named += [(name, ROOT / name) for name in re.findall(r"`(%s)`" % "|".join(map(re.escape, TOP_FILES)), text)]
    if document.suffix == ".md":
        links = [link for link in MARKDOWN_LINK.findall(text) if "://" not in link and not link.startswith("mailto:")]
        named += [(link, document.parent / link) for link in links]
    return named


@pytest.mark.parametrize("document", documents(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_repository_path_a_document_names_exists(document):
    missing = [name for name, path in named_paths(document) if not path.exists()]
    assert not missing, f"{document.relative_to(ROOT)} names paths that do not exist: {missing}"


def test_the_check_finds_a_moved_file_a_broken_link_and_leaves_patterns_alone(tmp_path):
    document = tmp_path / "page.md"
    document.write_text("See `a3c/atari.py`, [the study](missing/README.md), a3c/envs/atari.py, "
                        "`experiments/<study>`, `conf/tuned/*.yaml` and `Makefile`.\n")
    missing = [name for name, path in named_paths(document) if not path.exists()]
    assert missing == ["a3c/atari.py", "missing/README.md"]
