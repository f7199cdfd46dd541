"""A non-editable install (`pip install .`, which builds and installs a wheel) carries its
configs: installed on its own, outside the repo, it trains."""
import os
import shutil
import subprocess
import sys

from conftest import REPO

# What the package is built from; copied so that the build's files (build/, *.egg-info) land
# in tmp_path, not in the checkout.
SOURCES = ("pyproject.toml", "README.md", "a3c", "conf", "hydra_plugins")


def installed_copy(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(REPO / name, source / name)
    site = tmp_path / "site"
    # The dependencies come from this interpreter's environment; only a3c itself is installed.
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
         "--no-build-isolation", "--no-index", "--target", str(site), str(source)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return site


def test_a_non_editable_install_trains_from_outside_the_repo(tmp_path):
    site = installed_copy(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "WANDB_SILENT": "true", "HYDRA_FULL_ERROR": "0"}

    def python(*args):
        return subprocess.run([sys.executable, *args], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)

    where = python("-c", "import a3c; print(a3c.__file__); print(a3c.CONF_DIR)").stdout.split()
    assert where == [str(site / "a3c" / "__init__.py"), str(site / "a3c" / "conf")]  # the installed copy, not the checkout
    result = python("-m", "a3c", "workers=serial", "logger=off", "train.total_steps=200", "train.progress=false")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "results: " in result.stdout
    assert list((elsewhere / "outputs").glob("*/*/summary.json"))
