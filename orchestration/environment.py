"""The environment every orchestration process needs: telemetry of every tool off, paths inside the project."""

from __future__ import annotations

import os
from pathlib import Path

import settings

TELEMETRY_OFF = {
    "SCARF_ANALYTICS": "false",
    "DO_NOT_TRACK": "1",
    "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "RUNTIME__DLTHUB_TELEMETRY": "false",
}


def airflow_home() -> Path:
    """``AIRFLOW_HOME``, by default ``.airflow/`` inside the project (git-ignored)."""
    return Path(os.environ.get("AIRFLOW_HOME", settings.PROJECT_ROOT / ".airflow")).resolve()


def switch_telemetry_off() -> None:
    """Set every telemetry switch in this process (children inherit them)."""
    for name, value in TELEMETRY_OFF.items():
        os.environ.setdefault(name, value)
