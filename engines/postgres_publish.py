"""Publish on Postgres: the next version built aside, then made the published data in one transaction.

The new tables are built and granted in a side schema; one transaction then replaces the published rows (readers
never wait and each snapshot sees one whole version), or, when tables or columns changed, swaps the schemas by
renames (transactional DDL) after locking the old tables, retried while readers hold them.
"""

from __future__ import annotations

import itertools
import logging
import random
import time
from collections.abc import Callable
from typing import Any

import settings

from .publication import PUBLICATION_TABLE, utc_now

log = logging.getLogger(__name__)

Quote = Callable[..., str]
NEXT_SCHEMA = settings.PUBLISHED_SCHEMA + "__next"
PREVIOUS_SCHEMA = settings.PUBLISHED_SCHEMA + "__previous"
# Below Postgres' default deadlock_timeout (1 s): when publisher and a reader wait on each other, the publisher
# yields and retries; the reader is never cancelled.
SWAP_LOCK_TIMEOUT_MS = 200
SWAP_PATIENCE_SECONDS = 120


def _build_next_postgres(
    cursor: Any, quote: Quote, tables: list[str], run_id: str, inputs: str, published_at: str
) -> None:
    """Copy the marts into a fresh side schema, with the publication row and the reader's grants."""
    cursor.execute(f"drop schema if exists {quote(NEXT_SCHEMA)} cascade")
    cursor.execute(f"create schema {quote(NEXT_SCHEMA)}")
    for table in tables:
        cursor.execute(
            f"create table {quote(NEXT_SCHEMA, table)} as select * from {quote(settings.MARTS_SCHEMA, table)}"
        )
    cursor.execute(
        f"create table {quote(NEXT_SCHEMA, PUBLICATION_TABLE)} as"
        " select %s::varchar as run_id, %s::timestamp as published_at, %s::varchar as inputs",
        (run_id, published_at.rstrip("Z"), inputs),
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


def _replace_rows_postgres(cursor: Any, quote: Quote, tables: list[str]) -> None:
    """One transaction replaces the rows of every published table with the next version's.

    Row changes take no lock that conflicts with readers: nobody waits, and under MVCC every reader's snapshot
    sees either all old tables or all new ones.
    """
    for table in [*tables, PUBLICATION_TABLE]:
        cursor.execute(f"delete from {quote(settings.PUBLISHED_SCHEMA, table)}")
        cursor.execute(
            f"insert into {quote(settings.PUBLISHED_SCHEMA, table)} select * from {quote(NEXT_SCHEMA, table)}"
        )


def _swap_postgres(cursor: Any, quote: Quote) -> None:
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


def publish_postgres(connection: Any, tables: list[str], run_id: str, inputs: str, quote: Quote) -> str:
    """Build the next published schema aside, then make it the published data in one transaction.

    When the tables and columns are unchanged, the rows are replaced (readers never wait); when they changed,
    the schemas are swapped by renames, retried while readers hold the old tables.
    """
    published_at = utc_now()
    cursor = connection.cursor()
    cursor.execute(f"drop schema if exists {quote(PREVIOUS_SCHEMA)} cascade")
    _build_next_postgres(cursor, quote, tables, run_id, inputs, published_at)
    connection.commit()
    if _structure(cursor, NEXT_SCHEMA) == _structure(cursor, settings.PUBLISHED_SCHEMA):
        _replace_rows_postgres(cursor, quote, tables)
        cursor.execute(f"drop schema {quote(NEXT_SCHEMA)} cascade")
        connection.commit()
    else:
        _swap_until_done(connection, cursor, quote)
    cursor.close()
    return published_at


def _swap_until_done(connection: Any, cursor: Any, quote: Quote) -> None:
    """Swap the schemas, backing off and retrying while readers keep the old tables busy."""
    from psycopg2 import errors

    deadline = time.monotonic() + SWAP_PATIENCE_SECONDS
    for attempt in itertools.count(1):
        try:
            _swap_postgres(cursor, quote)
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
