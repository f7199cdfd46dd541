"""a3c: a lab for the actor-critic family, from REINFORCE to A3C."""
from pathlib import Path

# An absolute path: relative ones resolve as a Python package when run as a console script.
CONF_DIR = Path(__file__).resolve().parent.parent / "conf"
