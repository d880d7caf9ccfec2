"""The environment every orchestration process needs: telemetry of every tool off, paths inside the project."""

from __future__ import annotations

import os
from pathlib import Path

from warehouse import settings

TELEMETRY_OFF = {
    "SCARF_ANALYTICS": "false",
    "DO_NOT_TRACK": "1",
    "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
    "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "RUNTIME__DLTHUB_TELEMETRY": "false",
}


def airflow_home() -> Path:
    """``AIRFLOW_HOME``, by default ``.airflow/`` inside the project (git-ignored)."""
    return Path(os.environ.get("AIRFLOW_HOME", settings.PROJECT_ROOT / ".airflow")).resolve()


def manifest_path() -> Path:
    """The dbt manifest the DAG is rendered from (written by ``python -m orchestration.manifest``)."""
    from warehouse.dbt import target_dir

    return target_dir() / "manifest.json"


def dbt_environment() -> dict[str, str]:
    """What the dbt subprocesses need beyond the task's own environment (no credentials: those are inherited)."""
    environment = {"WAREHOUSE": settings.warehouse_name(), **TELEMETRY_OFF}
    environment["DESTINATION__DUCKDB__CREDENTIALS"] = str(settings.duckdb_path())
    return environment


def switch_telemetry_off() -> None:
    """Set every telemetry switch in this process (children inherit them)."""
    for name, value in TELEMETRY_OFF.items():
        os.environ.setdefault(name, value)
