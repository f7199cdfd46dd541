"""`a3c-train --help` names the app and lists every config group a user picks, with its options."""
import re

from conftest import REPO, run_cli

USER_GROUPS = ["algo", "env", "workers", "model", "logger", "experiment"]


def test_help_names_the_app_and_lists_each_group_with_every_option(tmp_path):
    result = run_cli("--help", cwd=tmp_path)
    assert result.returncode == 0
    text = result.stdout
    assert text.startswith("a3c-train: ") and "__main__" not in text and "powered by Hydra" not in text
    assert not re.search(r"^schema", text, re.MULTILINE)  # the internal group of typed schemas
    for group in USER_GROUPS:
        block = re.search(rf"^{re.escape(group)} +(.*?)(?=^\S)", text, re.MULTILINE | re.DOTALL).group(1)
        folder = REPO / "conf" / group.lstrip("+")
        options = {path.stem for path in folder.glob("*.yaml")}
        assert options <= set(re.findall(r"[a-z][a-z0-9_]*", block)), (group, options)
