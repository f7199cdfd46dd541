"""The package's architecture is a contract: cli | report -> run -> learn -> agent -> envs ->
config | stats, each layer importing only the layers below it (pyproject.toml,
[tool.importlinter]). An upward import or a circle between layers fails here, named."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_every_import_runs_down_the_layers():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 kept, 0 broken" in result.stdout


def test_every_module_of_the_package_sits_in_a_layer():
    top_level = {path.name for path in (REPO / "a3c").iterdir() if not path.name.startswith((".", "_"))}
    assert top_level == {"config", "envs", "agent", "learn", "run", "cli", "report", "stats.py"}


def test_no_module_is_over_200_lines_without_saying_why():
    """A long module is a sign of two responsibilities; one that is long for a reason says it
    in its docstring ("Longer than 200 lines because ...")."""
    long_unexplained = [
        f"{path.relative_to(REPO)} ({len(text.splitlines())} lines)"
        for path in sorted((REPO / "a3c").rglob("*.py"))
        if len((text := path.read_text()).splitlines()) > 200 and "Longer than 200 lines because" not in text
    ]
    assert not long_unexplained, "split these, or say why in the docstring: " + ", ".join(long_unexplained)
