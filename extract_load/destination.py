"""The dlt destination and pipeline folder for the warehouse chosen by ``WAREHOUSE``."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
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


def _duckdb() -> Destination:
    """The DuckDB file of the settings, under the loader's memory limit."""
    path = settings.duckdb_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    credentials = DuckDbCredentials(str(path))
    limit = os.environ.get("JAFFLE_DUCKDB_MEMORY_LIMIT", DUCKDB_MEMORY_LIMIT).strip()
    credentials.global_config = {"memory_limit": limit} if limit else None
    return dlt.destinations.duckdb(credentials)


def _postgres() -> Destination:
    """The configured Postgres database, connected as the loader role."""
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


def _lake() -> Destination:
    """The Spark target's lake (dlt's filesystem destination)."""
    from .lake import lake_destination

    return lake_destination()


def _postgres_identity() -> str:
    """Server and database: roles and passwords change who connects, not where the data is."""
    credentials = settings.postgres_credentials()
    return f"postgres://{credentials.host}:{credentials.port}/{credentials.database}"


def _lake_identity() -> str:
    """The lake's URL, where dlt keeps the raw files, its load records and its state."""
    from warehouse import spark

    return spark.lake_url()


# Per engine: dlt's destination, and the name of the place the data lands in (no secrets in it).
DESTINATIONS: dict[str, tuple[Callable[[], Destination], Callable[[], str]]] = {
    "duckdb": (_duckdb, lambda: f"duckdb://{settings.duckdb_path()}"),
    "postgres": (_postgres, _postgres_identity),
    "spark": (_lake, _lake_identity),
}


def dlt_destination() -> Destination:
    """dlt's destination for the configured warehouse; credentials come from settings, never from code."""
    make, _ = DESTINATIONS[settings.warehouse_name()]
    return make()


def destination_identity() -> str:
    """Where the configured warehouse keeps its data: the DuckDB file, the Postgres database or the lake."""
    _, identity = DESTINATIONS[settings.warehouse_name()]
    return identity()


def pipelines_dir() -> Path:
    """dlt's local state, one folder per warehouse (engine and place): cursors never cross warehouses.

    The folder is named by the engine and a digest of :func:`destination_identity`, so pointing the pipeline
    at another DuckDB file, Postgres database or lake starts from that warehouse's own state, never from the
    cursors of the one loaded before. ``destination.txt`` inside names the warehouse for people.
    """
    identity = destination_identity()
    digest = hashlib.sha256(identity.encode()).hexdigest()[:12]
    folder = settings.data_dir() / "dlt_pipelines" / f"{settings.warehouse_name()}-{digest}"
    label = folder / "destination.txt"
    if not label.exists():
        folder.mkdir(parents=True, exist_ok=True)
        label.write_text(identity + "\n")
    return folder


def broken_pipelines_dir() -> Path:
    """Where unreadable working folders of crashed runs are kept for inspection (never read again)."""
    working = pipelines_dir()
    return working.with_name(working.name + "-broken")
