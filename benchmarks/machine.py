"""The machine and software a bench ran on, and how busy the machine was."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = (
    "dlt",
    "duckdb",
    "pyarrow",
    "dbt-core",
    "dbt-duckdb",
    "dbt-postgres",
    "great-expectations",
    "pandas",
)


def _cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (the platform's processor string elsewhere)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    """Total RAM in GiB."""
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        return None


def _postgres_version() -> str | None:
    """The server's version string, when one answers."""
    try:
        import psycopg2

        import settings

        kwargs = settings.postgres_credentials().psycopg_kwargs() | {"dbname": "postgres"}
        with psycopg2.connect(**kwargs) as connection, connection.cursor() as cursor:
            cursor.execute("show server_version")
            return cursor.fetchone()[0]
    except Exception:
        return None


def machine() -> dict[str, Any]:
    """CPU, cores, RAM, OS, Python, package versions, Postgres server version and the load average."""
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": _memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
        "postgres": _postgres_version(),
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }
