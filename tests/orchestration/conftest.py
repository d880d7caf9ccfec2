"""An Airflow home with its SQLite metadata database, private to the test process.

Airflow reads its home and metadata database once, when it is first imported (test_failures.py imports it while
it is collected). So this conftest points the process at a private home before any test module of this folder
is imported, and the session fixture migrates that same home: one per process (each xdist worker has its own).
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from orchestration.airflow_env import airflow_environment

VENV_BIN = Path(sys.executable).parent
HOME = Path(tempfile.mkdtemp(prefix="jaffle_airflow_home_"))
atexit.register(shutil.rmtree, HOME, ignore_errors=True)  # the process's home goes with the process
# The metadata database is named explicitly: a value inherited from the process that started this one (e.g.
# the xdist controller, which loads this file too) would make two workers share one SQLite file.
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{HOME / 'airflow.db'}"
os.environ.update(
    (name, value)
    for name, value in airflow_environment(HOME).items()
    if name.startswith("AIRFLOW") or name not in os.environ
)


def dbt_paths(home: Path) -> dict[str, str]:
    """dbt's target and log folders inside the Airflow home."""
    return {"DBT_TARGET_PATH": str(home / "dbt_target"), "DBT_LOG_PATH": str(home / "dbt_logs")}


@pytest.fixture(scope="session")
def airflow_home() -> Path:
    """The process's Airflow home, migrated."""
    environment = airflow_environment(HOME) | dbt_paths(HOME)
    subprocess.run(
        [str(VENV_BIN / "airflow"), "db", "migrate"], env=environment, check=True, capture_output=True
    )
    return HOME


@pytest.fixture
def airflow_env(airflow_home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """This process's environment (after the data_dir fixture, when used) pointed at the test's Airflow home."""
    environment = airflow_environment(airflow_home) | dbt_paths(airflow_home)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return environment
