"""Publish the audited marts into the schema readers query, all at once or not at all.

DuckDB cannot rename schemas, so the published tables are replaced inside one transaction, then copied to a
snapshot file that replaces the readers' file atomically (readers never open the file the pipeline writes).
On Postgres the new tables are built and granted in a side schema; one transaction then replaces the published
rows (readers never wait and each snapshot sees one whole version), or, when tables or columns changed, swaps
the schemas by renames (transactional DDL) after locking the old tables, retried while readers hold them.
On Spark, versions of the marts and views over them (``spark_publish.py``).
"""

from __future__ import annotations

import itertools
import logging
import os
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import settings
from .connection import connect, quote, row_counts, schema_tables

log = logging.getLogger(__name__)

NEXT_SCHEMA = settings.PUBLISHED_SCHEMA + "__next"
PREVIOUS_SCHEMA = settings.PUBLISHED_SCHEMA + "__previous"
PUBLICATION_TABLE = "publication"
# Run history copied into the readers' snapshot (schema pipeline_runs) at each publish.
HISTORY_TABLES = ("table_loads", "check_results")
# Below Postgres' default deadlock_timeout (1 s): when publisher and a reader wait on each other, the publisher
# yields and retries; the reader is never cancelled.
SWAP_LOCK_TIMEOUT_MS = 200
SWAP_PATIENCE_SECONDS = 120


@dataclass(frozen=True)
class Publication:
    """What a publish made visible: the run, the time, and the rows of every table."""

    run_id: str
    published_at: str
    row_counts: dict[str, int]


def _utc_now() -> str:
    """The time recorded with a publish, UTC to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _publish_duckdb(connection: Any, tables: list[str], run_id: str) -> str:
    """Replace every published table in one DuckDB transaction; drop published tables that left the marts."""
    published = settings.PUBLISHED_SCHEMA
    existing = schema_tables(connection, published)
    published_at = _utc_now()
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


def _build_next_postgres(cursor: Any, tables: list[str], run_id: str, published_at: str) -> None:
    """Copy the marts into a fresh side schema, with the publication row and the reader's grants."""
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


def _structure(cursor: Any, schema: str) -> list[tuple]:
    """Tables, columns and types of a schema, in order (from the catalog, whoever may read the tables)."""
    cursor.execute(
        "select c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod)"
        " from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = %s and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped order by 1, 2",
        (schema,),
    )
    return cursor.fetchall()


def _replace_rows_postgres(cursor: Any, tables: list[str]) -> None:
    """One transaction replaces the rows of every published table with the next version's.

    Row changes take no lock that conflicts with readers: nobody waits, and under MVCC every reader's snapshot
    sees either all old tables or all new ones.
    """
    for table in [*tables, PUBLICATION_TABLE]:
        cursor.execute(f"delete from {quote(settings.PUBLISHED_SCHEMA, table)}")
        cursor.execute(
            f"insert into {quote(settings.PUBLISHED_SCHEMA, table)} select * from {quote(NEXT_SCHEMA, table)}"
        )


def _swap_postgres(cursor: Any) -> None:
    """One transaction: lock every published table, rename published away and next in, drop the old one.

    The exclusive locks wait for readers still inside a transaction on the old tables, so none of them sees
    a mix of versions; the short lock timeout (shorter than Postgres' deadlock check) makes the publisher,
    never a reader, give up when the two wait on each other.
    """
    published = settings.PUBLISHED_SCHEMA
    cursor.execute(f"set local lock_timeout = '{SWAP_LOCK_TIMEOUT_MS}ms'")
    cursor.execute("select 1 from pg_namespace where nspname = %s", (published,))
    if cursor.fetchone() is not None:
        cursor.execute(
            "select quote_ident(schemaname) || '.' || quote_ident(tablename) from pg_tables"
            " where schemaname = %s order by tablename",
            (published,),
        )
        current = [name for (name,) in cursor.fetchall()]
        if current:
            cursor.execute(f"lock table {', '.join(current)} in access exclusive mode")
        cursor.execute(f"alter schema {quote(published)} rename to {quote(PREVIOUS_SCHEMA)}")
    cursor.execute(f"alter schema {quote(NEXT_SCHEMA)} rename to {quote(published)}")
    cursor.execute(f"drop schema if exists {quote(PREVIOUS_SCHEMA)} cascade")


def _publish_postgres(connection: Any, tables: list[str], run_id: str) -> str:
    """Build the next published schema aside, then make it the published data in one transaction.

    When the tables and columns are unchanged, the rows are replaced (readers never wait); when they changed,
    the schemas are swapped by renames, retried while readers hold the old tables.
    """
    published_at = _utc_now()
    cursor = connection.cursor()
    cursor.execute(f"drop schema if exists {quote(PREVIOUS_SCHEMA)} cascade")
    _build_next_postgres(cursor, tables, run_id, published_at)
    connection.commit()
    if _structure(cursor, NEXT_SCHEMA) == _structure(cursor, settings.PUBLISHED_SCHEMA):
        _replace_rows_postgres(cursor, tables)
        cursor.execute(f"drop schema {quote(NEXT_SCHEMA)} cascade")
        connection.commit()
    else:
        _swap_until_done(connection, cursor)
    cursor.close()
    return published_at


def _swap_until_done(connection: Any, cursor: Any) -> None:
    """Swap the schemas, backing off and retrying while readers keep the old tables busy."""
    from psycopg2 import errors

    deadline = time.monotonic() + SWAP_PATIENCE_SECONDS
    for attempt in itertools.count(1):
        try:
            _swap_postgres(cursor)
            connection.commit()
            break
        except (errors.LockNotAvailable, errors.DeadlockDetected):
            connection.rollback()
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"publish gave up after {attempt} tries: readers kept the published tables busy for"
                    f" {SWAP_PATIENCE_SECONDS} s; the new data waits in schema {NEXT_SCHEMA!r}, run `make publish`"
                ) from None
            time.sleep(min(0.05 * attempt, 0.5) * random.uniform(0.5, 1.5))
    if attempt > 1:
        log.info("published after %d tries (readers held the old tables)", attempt)


def publish(run_id: str) -> Publication:
    """Make the audited marts the published data. Call only after the marts gate passed."""
    if settings.warehouse_name() == "spark":
        from .spark_publish import publish_spark

        return Publication(run_id, *publish_spark(run_id))
    with connect() as connection:
        tables = schema_tables(connection, settings.MARTS_SCHEMA)
        if not tables:
            raise RuntimeError(
                f"nothing to publish: schema {settings.MARTS_SCHEMA!r} has no tables (run dbt first)"
            )
        if settings.warehouse_name() == "postgres":
            published_at = _publish_postgres(connection, tables, run_id)
        else:
            published_at = _publish_duckdb(connection, tables, run_id)
            _write_duckdb_snapshot(connection, tables)
        counts = row_counts(connection, settings.PUBLISHED_SCHEMA, tables)
    log.info("published %d tables from run %s", len(tables), run_id)
    return Publication(run_id, published_at, counts)
