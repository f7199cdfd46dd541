"""a3c: a lab for the actor-critic family, from REINFORCE to A3C."""
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent  # absolute: Hydra reads a relative path as a Python package


def _conf_dir() -> Path:
    """The repo's conf/ in a checkout (edits take effect at once, editable install or not);
    otherwise the copy installed as a3c.conf (pyproject.toml's package-dir)."""
    checkout = _PACKAGE.parent / "conf"
    return checkout if (_PACKAGE.parent / "pyproject.toml").is_file() and (checkout / "train.yaml").is_file() else _PACKAGE / "conf"


CONF_DIR = _conf_dir()
