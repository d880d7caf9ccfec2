"""The dlt destination and pipeline folder for the warehouse chosen by ``WAREHOUSE``."""

from __future__ import annotations

import os
from pathlib import Path

import dlt
from dlt.common.destination import Destination
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from warehouse import settings

# Every load goes through Parquet files: DuckDB reads them natively and Postgres copies them in bulk through
# ADBC. Measured on the demo API at scale 1 (62k orders, 91k items), load step: DuckDB 1.1 s against 20.7 s
# with INSERT statements; Postgres 2.5 s against 3.2 s (INSERT) and 1.9 s (CSV COPY, but 4.2 s to normalize).
LOADER_FILE_FORMAT = "parquet"

# DuckDB's memory limit while dlt loads (it spills to disk beyond it; JAFFLE_DUCKDB_MEMORY_LIMIT changes it).
# Measured on the bench's load of 10M order items (2 cores): no limit (80% of RAM) peaked at 4.6 GiB in 49.8 s,
# 1500MB at 1.7 GiB in 46.2 s, 1GB at 1.3 GiB in 79.6 s (spilling).
DUCKDB_MEMORY_LIMIT = "1500MB"


def dlt_destination() -> Destination:
    """dlt's destination for the configured warehouse; credentials come from settings, never from code."""
    if settings.warehouse_name() == "spark":
        from .lake import lake_destination

        return lake_destination()
    if settings.warehouse_name() == "postgres":
        credentials = settings.postgres_credentials(role="loader")
        return dlt.destinations.postgres(
            credentials={
                "host": credentials.host,
                "port": credentials.port,
                "username": credentials.username,
                "password": credentials.password,
                "database": credentials.database,
                "query": {
                    "sslmode": credentials.sslmode,
                    "connect_timeout": str(credentials.connect_timeout),
                    **credentials.libpq_options(),
                },
            }
        )
    path = settings.duckdb_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    credentials = DuckDbCredentials(str(path))
    limit = os.environ.get("JAFFLE_DUCKDB_MEMORY_LIMIT", DUCKDB_MEMORY_LIMIT).strip()
    credentials.global_config = {"memory_limit": limit} if limit else None
    return dlt.destinations.duckdb(credentials)


def pipelines_dir() -> Path:
    """dlt's local state lives next to the warehouse it belongs to, one folder per engine."""
    return settings.data_dir() / "dlt_pipelines" / settings.warehouse_name()


def broken_pipelines_dir() -> Path:
    """Where unreadable working folders of crashed runs are kept for inspection (never read again)."""
    return settings.data_dir() / "dlt_pipelines" / f"{settings.warehouse_name()}-broken"
