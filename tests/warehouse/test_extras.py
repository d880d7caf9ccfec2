"""The core imports without any extra; what needs an extra names it and the command that installs it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from settings import extras

CORE_PACKAGES = ("warehouse", "extract_load", "expectations", "demo")
# The top modules of the extras (pyproject.toml): none is installed with the core alone.
EXTRA_MODULES = (
    "pyspark",
    "dbt.adapters.spark",
    "airflow",
    "dash",
    "plotly",
    "matplotlib",
    "s3fs",
    "botocore",
)
IMPORT_ALL = f"""
import importlib, pkgutil, sys
for name in {EXTRA_MODULES!r}:
    sys.modules[name] = None  # as if not installed: importing it raises, find_spec returns None
failed = []
for package in {CORE_PACKAGES!r}:
    for info in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
        try:
            importlib.import_module(info.name)
        except ImportError as error:
            failed.append(f"{{info.name}}: {{error}}")
print("\\n".join(failed))
"""


def test_core_modules_import_without_the_extras() -> None:
    """Every module of the core packages imports when no extra's module can be found."""
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL], capture_output=True, text=True, check=True, timeout=300
    )
    assert result.stdout.strip() == ""


def test_a_missing_extra_is_named_with_its_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without its modules, an extra is reported by name, with the make command that installs it."""
    monkeypatch.setitem(extras.MODULES, "spark", ("pyspark", "no_such_module_here"))
    assert not extras.installed("spark")
    with pytest.raises(extras.MissingExtra, match=r"'spark' extra .*`make setup EXTRAS=spark`"):
        extras.require("spark")


def test_an_installed_extra_passes() -> None:
    """Every extra's modules are there in the test environment (the dev extra pulls them all)."""
    for extra in extras.MODULES:
        extras.require(extra)
