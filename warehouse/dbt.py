"""Run dbt as a subprocess of this environment, always with explicit project, profiles and target."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from . import settings


def dbt_executable() -> str:
    """The dbt of the running interpreter's environment."""
    return str(Path(sys.executable).with_name("dbt"))


def target_dir() -> Path:
    """dbt's target folder: ``DBT_TARGET_PATH`` (relative to the dbt project) or ``dbt_project/target``."""
    configured = os.environ.get("DBT_TARGET_PATH")
    if configured:
        return (settings.DBT_PROJECT_DIR / configured).resolve()
    return settings.DBT_PROJECT_DIR / "target"


def dbt_environment() -> dict[str, str]:
    """The environment dbt reads: the warehouse switch and the DuckDB path as an absolute path."""
    environment = dict(os.environ)
    environment["WAREHOUSE"] = settings.warehouse_name()
    environment["DESTINATION__DUCKDB__CREDENTIALS"] = str(settings.duckdb_path())
    if settings.warehouse_name() == "postgres":
        # Credentials resolved once (environment or .dlt/secrets.toml), handed to dbt's profile by name.
        credentials = settings.postgres_credentials(role="transformer")
        prefix = "DESTINATION__POSTGRES__CREDENTIALS__"
        for part in ("host", "port", "username", "password", "database", "sslmode", "connect_timeout"):
            environment[prefix + part.upper()] = str(getattr(credentials, part))
        environment["JAFFLE_PG_TRANSFORMER_ROLE"] = credentials.role or credentials.username
    environment.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return environment


def run_dbt(*arguments: str) -> subprocess.CompletedProcess:
    """``dbt <arguments>`` against this project; output streams to the terminal as it runs."""
    command = [
        dbt_executable(),
        *arguments,
        "--project-dir",
        str(settings.DBT_PROJECT_DIR),
        "--profiles-dir",
        str(settings.DBT_PROJECT_DIR),
        "--target",
        settings.warehouse_name(),
    ]
    return subprocess.run(command, env=dbt_environment(), check=False)
