"""An Airflow home with its SQLite metadata database and a parsed dbt manifest, private to the test module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.airflow_env import airflow_environment
from warehouse import settings

VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated Airflow home and a dbt target folder with the manifest, both in tmp."""
    home = tmp_path_factory.mktemp("airflow_home")
    environment = airflow_environment(home) | dbt_paths(home)
    subprocess.run(
        [str(VENV_BIN / "airflow"), "db", "migrate"], env=environment, check=True, capture_output=True
    )
    subprocess.run(
        [sys.executable, "-m", "orchestration.manifest"],
        env=environment,
        check=True,
        cwd=settings.PROJECT_ROOT,
    )
    return home


def dbt_paths(home: Path) -> dict[str, str]:
    """dbt's target and log folders inside the Airflow home."""
    return {"DBT_TARGET_PATH": str(home / "dbt_target"), "DBT_LOG_PATH": str(home / "dbt_logs")}


@pytest.fixture
def airflow_env(airflow_home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """This process's environment (after the data_dir fixture, when used) pointed at the test's Airflow home."""
    environment = airflow_environment(airflow_home) | dbt_paths(airflow_home)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return environment
