"""One place that reads the configuration switches shared by dlt, dbt, the checks and publish.

Everything comes from environment variables, using the names dlt itself reads, so credentials are
given once: ``WAREHOUSE`` picks the engine (``duckdb`` or ``postgres``), ``DESTINATION__DUCKDB__CREDENTIALS``
is the DuckDB file, ``DESTINATION__POSTGRES__CREDENTIALS__*`` are the Postgres connection parts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
WAREHOUSES = ("duckdb", "postgres")

RAW_DATASETS = ("raw_jaffle_api", "raw_jaffle_files")
PUBLISHED_SCHEMA = "published"
MARTS_SCHEMA = "marts"
AUDIT_SCHEMA = "audit"


def data_dir() -> Path:
    """The working folder for generated sources, landing files, the DuckDB files and run records."""
    return Path(os.environ.get("JAFFLE_DATA_DIR", PROJECT_ROOT / "data")).resolve()


def warehouse_name() -> str:
    """The engine chosen by ``WAREHOUSE`` (default ``duckdb``); an unknown name is a clear error."""
    name = os.environ.get("WAREHOUSE", "duckdb").strip().lower()
    if name not in WAREHOUSES:
        raise ValueError(f"WAREHOUSE={name!r} is not supported: choose one of {', '.join(WAREHOUSES)}")
    return name


def duckdb_path() -> Path:
    """The DuckDB file the pipeline writes (dlt's own variable, default ``data/warehouse.duckdb``)."""
    configured = os.environ.get("DESTINATION__DUCKDB__CREDENTIALS")
    if configured:
        return Path(configured.removeprefix("duckdb:///")).resolve()
    return data_dir() / "warehouse.duckdb"


def published_snapshot_path() -> Path:
    """The read-only DuckDB snapshot that readers open; replaced atomically by every publish."""
    return duckdb_path().with_name("published.duckdb")


@dataclass(frozen=True)
class PostgresCredentials:
    """Connection parts for Postgres, read from dlt's variable names; the password never prints."""

    host: str = "127.0.0.1"
    port: int = 5432
    username: str = "postgres"
    password: str = field(default="", repr=False)
    database: str = "jaffle_shop"
    sslmode: str = "prefer"
    connect_timeout: int = 10

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
        }


def postgres_credentials() -> PostgresCredentials:
    """Postgres credentials from ``DESTINATION__POSTGRES__CREDENTIALS__*`` with local defaults."""
    prefix = "DESTINATION__POSTGRES__CREDENTIALS__"
    defaults = PostgresCredentials()
    return PostgresCredentials(
        host=os.environ.get(prefix + "HOST", defaults.host),
        port=int(os.environ.get(prefix + "PORT", defaults.port)),
        username=os.environ.get(prefix + "USERNAME", defaults.username),
        password=os.environ.get(prefix + "PASSWORD", defaults.password),
        database=os.environ.get(prefix + "DATABASE", defaults.database),
        sslmode=os.environ.get(prefix + "SSLMODE", defaults.sslmode),
        connect_timeout=int(os.environ.get(prefix + "CONNECT_TIMEOUT", defaults.connect_timeout)),
    )
