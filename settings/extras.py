"""pyproject.toml's optional extras: checked where they are needed, installed on first use in a checkout."""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETUP = ROOT / "scripts" / "setup-venv.sh"
# The modules that show an extra is installed.
MODULES = {
    "spark": ("pyspark", "dbt.adapters.spark"),
    "airflow": ("airflow",),
}


class MissingExtra(RuntimeError):
    """An extra that a command needs is not installed."""


def installed(extra: str) -> bool:
    """Whether every module of ``extra`` can be imported."""
    return all(importlib.util.find_spec(module) is not None for module in MODULES[extra])


def in_checkout_venv() -> bool:
    """Whether this is the checkout's .venv, the one scripts/setup-venv.sh installs into."""
    return SETUP.exists() and Path(sys.prefix).resolve() == (ROOT / ".venv").resolve()


def require(extra: str, *, install: bool = False) -> None:
    """Return when ``extra`` is installed; install it first (``install``, in the checkout's .venv), or raise."""
    if installed(extra):
        return
    if install and in_checkout_venv():
        if subprocess.run([str(SETUP), extra], cwd=ROOT).returncode == 0:
            importlib.invalidate_caches()
            if installed(extra):
                return
    raise MissingExtra(
        f"the '{extra}' extra ({', '.join(MODULES[extra])}) is not installed: install it with `make setup EXTRAS={extra}`"
        f" (or `pip install -c requirements.lock -e '.[{extra}]'`)"
    )
