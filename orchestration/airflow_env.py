"""The environment of an Airflow process for this project: its home, metadata database, DAG folder, no telemetry."""

from __future__ import annotations

import os
from pathlib import Path

import settings

from .environment import TELEMETRY_OFF

DAGS_FOLDER = Path(__file__).resolve().parent / "dags"


def airflow_environment(home: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with Airflow pointed at ``home`` and telemetry off."""
    environment = dict(os.environ if base is None else base)
    environment |= TELEMETRY_OFF
    environment |= {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": environment.get(
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{home / 'airflow.db'}"
        ),
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(settings.PROJECT_ROOT), environment.get("PYTHONPATH")) if p
        ),
    }
    return environment
