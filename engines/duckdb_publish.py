"""Publish on DuckDB: the published tables replaced in one transaction, then a snapshot file for readers.

DuckDB cannot rename schemas, so the published tables are replaced inside one transaction, then copied to a
snapshot file that replaces the readers' file atomically (readers never open the file the pipeline writes).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import settings

from .publication import HISTORY_TABLES, PUBLICATION_TABLE, utc_now

Quote = Callable[..., str]
Tables = Callable[[Any, str], list[str]]


def publish_duckdb(
    connection: Any, tables: list[str], run_id: str, inputs: str, quote: Quote, schema_tables: Tables
) -> str:
    """Replace every published table in one DuckDB transaction; drop published tables that left the marts."""
    published = settings.PUBLISHED_SCHEMA
    existing = schema_tables(connection, published)
    published_at = utc_now()
    connection.execute("begin transaction")
    try:
        connection.execute(f"create schema if not exists {quote(published)}")
        for stale in sorted(set(existing) - set(tables) - {PUBLICATION_TABLE}):
            connection.execute(f"drop table {quote(published, stale)}")
        for table in tables:
            connection.execute(
                f"create or replace table {quote(published, table)} as"
                f" select * from {quote(settings.MARTS_SCHEMA, table)}"
            )
        connection.execute(
            f"create or replace table {quote(published, PUBLICATION_TABLE)} as"
            " select ?::varchar as run_id, ?::timestamp as published_at, ?::varchar as inputs",
            [run_id, published_at.rstrip("Z"), inputs],
        )
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise
    return published_at


def write_duckdb_snapshot(connection: Any, tables: list[str], quote: Quote, schema_tables: Tables) -> None:
    """Copy the published schema into a fresh file and move it over the readers' file atomically.

    The tables go to the file's main schema: opened as ``published.duckdb``, the catalog is ``published``, so
    readers write ``published.orders`` exactly as they would in the warehouse.
    """
    target = settings.published_snapshot_path()
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    # Copies a crashed or failed publish left behind (the caller holds the warehouse lock: none is being
    # written); on a full disk they would keep the space the next publish needs.
    for leftover in target.parent.glob(f".{target.name}.*.tmp*"):  # with its write-ahead log
        leftover.unlink(missing_ok=True)
    published = settings.PUBLISHED_SCHEMA
    history = settings.REPORTS_DATASET
    connection.execute("attach ? as snapshot", [str(temporary)])
    try:
        for table in [*tables, PUBLICATION_TABLE]:
            connection.execute(
                f"create table snapshot.main.{quote(table)} as select * from {quote(published, table)}"
            )
        # The run and check history too, so dashboards never open the file the pipeline writes.
        history_tables = [t for t in schema_tables(connection, history) if t in HISTORY_TABLES]
        if history_tables:
            connection.execute(f"create schema snapshot.{quote(history)}")
        for table in history_tables:
            connection.execute(
                f"create table snapshot.{quote(history, table)} as select * from {quote(history, table)}"
            )
    except BaseException:
        connection.execute("detach snapshot")
        for part in (temporary, temporary.with_name(temporary.name + ".wal")):
            part.unlink(missing_ok=True)  # a failed copy (a full disk) gives its space back at once
        raise
    connection.execute("detach snapshot")
    os.replace(temporary, target)
