"""Publish the audited marts into the schema readers query, all at once or not at all.

DuckDB cannot rename schemas, so the published tables are replaced inside one transaction, then copied to a
snapshot file that replaces the readers' file atomically (readers never open the file the pipeline writes).
Postgres has transactional DDL: the new tables are built in a side schema, then swapped in by renames in
one transaction.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import settings
from .connection import connect, fetch_all, placeholder, quote

log = logging.getLogger(__name__)

NEXT_SCHEMA = settings.PUBLISHED_SCHEMA + "__next"
PREVIOUS_SCHEMA = settings.PUBLISHED_SCHEMA + "__previous"
PUBLICATION_TABLE = "publication"


@dataclass(frozen=True)
class Publication:
    """What a publish made visible: the run, the time, and the rows of every table."""

    run_id: str
    published_at: str
    row_counts: dict[str, int]


def mart_tables(connection: Any, schema: str = settings.MARTS_SCHEMA) -> list[str]:
    """The base tables of a schema (by default the audited marts), in name order."""
    sql = (
        "select table_name from information_schema.tables"
        f" where table_schema = {placeholder()} and table_type = 'BASE TABLE' order by table_name"
    )
    rows = fetch_all(connection, sql, [schema])
    return [name for (name,) in rows]


def _row_counts(connection: Any, schema: str, tables: list[str]) -> dict[str, int]:
    """Rows per table of a schema."""
    return {
        table: fetch_all(connection, f"select count(*) from {quote(schema, table)}")[0][0] for table in tables
    }


def _publication_rows(run_id: str) -> tuple[str, str]:
    """The run id and timestamp recorded with every publish."""
    return run_id, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _publish_duckdb(connection: Any, tables: list[str], run_id: str) -> str:
    """Replace every published table in one DuckDB transaction; drop published tables that left the marts."""
    published = settings.PUBLISHED_SCHEMA
    existing = mart_tables(connection, published)
    run_id, published_at = _publication_rows(run_id)
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
            " select ?::varchar as run_id, ?::timestamp as published_at",
            [run_id, published_at.rstrip("Z")],
        )
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise
    return published_at


def _write_duckdb_snapshot(connection: Any, tables: list[str]) -> None:
    """Copy the published schema into a fresh file and move it over the readers' file atomically."""
    target = settings.published_snapshot_path()
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    published = settings.PUBLISHED_SCHEMA
    connection.execute("attach ? as snapshot", [str(temporary)])
    try:
        connection.execute(f"create schema snapshot.{quote(published)}")
        for table in [*tables, PUBLICATION_TABLE]:
            connection.execute(
                f"create table snapshot.{quote(published, table)} as select * from {quote(published, table)}"
            )
    finally:
        connection.execute("detach snapshot")
    os.replace(temporary, target)


def _publish_postgres(connection: Any, tables: list[str], run_id: str) -> str:
    """Build the next published schema aside, then swap it in by renames inside one transaction."""
    run_id, published_at = _publication_rows(run_id)
    cursor = connection.cursor()
    cursor.execute(f"drop schema if exists {quote(NEXT_SCHEMA)} cascade")
    cursor.execute(f"create schema {quote(NEXT_SCHEMA)}")
    for table in tables:
        cursor.execute(
            f"create table {quote(NEXT_SCHEMA, table)} as select * from {quote(settings.MARTS_SCHEMA, table)}"
        )
    cursor.execute(
        f"create table {quote(NEXT_SCHEMA, PUBLICATION_TABLE)} as"
        " select %s::varchar as run_id, %s::timestamp as published_at",
        (run_id, published_at.rstrip("Z")),
    )
    if settings.postgres_roles_enabled():
        reader = quote(settings.postgres_role("reader"))
        cursor.execute(f"grant usage on schema {quote(NEXT_SCHEMA)} to {reader}")
        cursor.execute(f"grant select on all tables in schema {quote(NEXT_SCHEMA)} to {reader}")
    connection.commit()
    cursor.execute(
        "select 1 from information_schema.schemata where schema_name = %s", (settings.PUBLISHED_SCHEMA,)
    )
    has_published = cursor.fetchone() is not None
    cursor.execute(f"drop schema if exists {quote(PREVIOUS_SCHEMA)} cascade")
    if has_published:
        cursor.execute(f"alter schema {quote(settings.PUBLISHED_SCHEMA)} rename to {quote(PREVIOUS_SCHEMA)}")
    cursor.execute(f"alter schema {quote(NEXT_SCHEMA)} rename to {quote(settings.PUBLISHED_SCHEMA)}")
    cursor.execute(f"drop schema if exists {quote(PREVIOUS_SCHEMA)} cascade")
    connection.commit()
    cursor.close()
    return published_at


def publish(run_id: str) -> Publication:
    """Make the audited marts the published data. Call only after the marts gate passed."""
    with connect() as connection:
        tables = mart_tables(connection)
        if not tables:
            raise RuntimeError(
                f"nothing to publish: schema {settings.MARTS_SCHEMA!r} has no tables (run dbt first)"
            )
        if settings.warehouse_name() == "postgres":
            published_at = _publish_postgres(connection, tables, run_id)
        else:
            published_at = _publish_duckdb(connection, tables, run_id)
            _write_duckdb_snapshot(connection, tables)
        counts = _row_counts(connection, settings.PUBLISHED_SCHEMA, tables)
    log.info("published %d tables from run %s", len(tables), run_id)
    return Publication(run_id, published_at, counts)
