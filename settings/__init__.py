"""The project's settings and the names every layer shares.

The settings are one immutable object (``settings.project.Settings``), read once from ``.dlt/config.toml`` and
the environment by dlt's naming (``current()``); the functions below are its most used fields by name.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from .project import PROJECT_ROOT, ROLE_KINDS, WAREHOUSES, Settings, SettingsError, current

# dlt looks for `.dlt/config.toml` in the working directory; anchored to the project, any cwd reads the same.
os.environ.setdefault("DLT_PROJECT_DIR", str(PROJECT_ROOT))
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

__all__ = ["PROJECT_ROOT", "ROLE_KINDS", "WAREHOUSES", "Settings", "SettingsError", "current"]

# Per-table load summaries of every run (rows read, loaded, quarantined, seconds), kept for reporting.
REPORTS_DATASET = "pipeline_runs"
PUBLISHED_SCHEMA = "published"
MARTS_SCHEMA = "marts"


def dbt_executable() -> str:
    """The dbt of the running interpreter's environment."""
    return str(Path(sys.executable).with_name("dbt"))


def target_dir() -> Path:
    """dbt's target folder: ``DBT_TARGET_PATH`` (relative to the dbt project) or ``dbt_project/target``."""
    configured = os.environ.get("DBT_TARGET_PATH")
    if configured:
        return (DBT_PROJECT_DIR / configured).resolve()
    return DBT_PROJECT_DIR / "target"


def data_dir() -> Path:
    """The working folder for generated sources, landing files, the DuckDB files and run records."""
    return current().data_dir


def event_logs_dir() -> Path:
    """Where the demo event logs are written and read (``[project] event_logs_dir``, else under the data dir)."""
    return current().event_logs_dir


def warehouse_name() -> str:
    """The engine chosen by ``warehouse`` (environment ``WAREHOUSE``); an unknown name is a clear error."""
    return current().warehouse


def duckdb_path() -> Path:
    """The DuckDB file the pipeline writes (dlt's own ``DESTINATION__DUCKDB__CREDENTIALS``, else in the data dir)."""
    return current().duckdb_path


def published_snapshot_path() -> Path:
    """The read-only DuckDB snapshot that readers open; replaced atomically by every publish."""
    return current().duckdb_path.with_name("published.duckdb")


# The least-privilege roles each step runs under on Postgres: ROLE_KINDS, named in ``[postgres]``.


@dataclass(frozen=True)
class PostgresCredentials:
    """Connection parts for Postgres, read from dlt's variable names; the password never prints.

    ``role``, when set, is assumed at connect time (libpq ``options=-crole=...``), so every statement
    of the session runs with that role's privileges only.
    """

    host: str = "127.0.0.1"
    port: int = 5432
    username: str = "postgres"
    password: str = field(default="", repr=False)
    database: str = "jaffle_shop"
    sslmode: str = "prefer"
    connect_timeout: int = 10
    role: str | None = None

    def libpq_options(self) -> dict[str, str]:
        """The libpq ``options`` that assume the role, or nothing without one.

        Written without a space (``-crole=...``): dlt hands ADBC a URI in which a space would become ``+``.
        """
        return {"options": f"-crole={self.role}"} if self.role else {}

    def psycopg_kwargs(self) -> dict:
        """Keyword arguments for ``psycopg2.connect``."""
        return {
            "host": self.host,
            "port": self.port,
            "user": self.username,
            "password": self.password,
            "dbname": self.database,
            "sslmode": self.sslmode,
            "connect_timeout": self.connect_timeout,
            **self.libpq_options(),
        }


def _configured(part: str, default: object) -> str:
    """One part of ``destination.postgres.credentials`` as dlt resolves it: environment, then .dlt files."""
    import dlt

    key = f"destination.postgres.credentials.{part}"
    value = dlt.secrets.get(key)
    if value is None:
        value = dlt.config.get(key)
    return str(default) if value is None else str(value)


def extract_load_sources() -> list[str]:
    """The sources ``el`` loads, in order: ``[extract_load] sources`` in .dlt/config.toml or its env var."""
    return list(current().sources)


def dataset_of(source: str) -> str:
    """Every source lands in ``raw_<source>``: one name from loader to dbt source."""
    return f"raw_{source}"


def raw_datasets() -> list[str]:
    """The raw dataset of every source ``el`` loads (``[extract_load] sources``), in that order."""
    return [dataset_of(name) for name in extract_load_sources()]


def postgres_roles_enabled() -> bool:
    """Roles are on unless ``[postgres] roles = false`` (e.g. a managed server where roles cannot be created)."""
    return current().postgres_roles


def postgres_role(kind: str) -> str:
    """The role name of a kind (loader, transformer, reader), from ``[postgres] <kind>_role``."""
    if kind not in ROLE_KINDS:
        raise ValueError(f"unknown role kind {kind!r}: choose one of {', '.join(ROLE_KINDS)}")
    return current().postgres_role_names[kind]


def postgres_credentials(role: str | None = None) -> PostgresCredentials:
    """Postgres credentials as dlt reads them (env ``DESTINATION__POSTGRES__CREDENTIALS__*`` or
    ``.dlt/secrets.toml``), local defaults otherwise; with ``role`` (a kind), connections assume that role."""
    defaults = PostgresCredentials()
    credentials = PostgresCredentials(
        host=_configured("host", defaults.host),
        port=int(_configured("port", defaults.port)),
        username=_configured("username", defaults.username),
        password=_configured("password", defaults.password),
        database=_configured("database", defaults.database),
        sslmode=_configured("sslmode", defaults.sslmode),
        connect_timeout=int(_configured("connect_timeout", defaults.connect_timeout)),
    )
    if role is not None and postgres_roles_enabled():
        credentials = replace(credentials, role=postgres_role(role))
    return credentials
