"""The local Postgres server for tests: is it there, and a throw-away database on it.

Postgres tests skip with a clear reason when no server answers at 127.0.0.1:5432, except in CI (CI=true),
where an unreachable server fails them: CI must prove the Postgres path.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

POSTGRES_ADMIN = {
    "host": "127.0.0.1",
    "port": 5432,
    "user": "postgres",
    "dbname": "postgres",
    "connect_timeout": 3,
}
POSTGRES_ENVIRONMENT = {"HOST": "127.0.0.1", "PORT": "5432", "USERNAME": "postgres"}


def unavailable_reason() -> str | None:
    """None when the local Postgres server answers, else why not."""
    import psycopg2

    try:
        psycopg2.connect(**POSTGRES_ADMIN).close()
    except psycopg2.OperationalError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return f"PostgreSQL at 127.0.0.1:5432 is not reachable ({first_line})"
    return None


def require_postgres() -> None:
    """Skip without a server; fail when CI=true, where the Postgres tests must run."""
    reason = unavailable_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason}: CI=true requires the Postgres tests to run", pytrace=False)
    pytest.skip(f"{reason}; start it with `pg_ctlcluster <version> main start` to run the Postgres cases")


@contextmanager
def throwaway_database(prefix: str) -> Iterator[str]:
    """Create ``<prefix>_<random>`` on the local server (after require_postgres); drop it afterwards."""
    require_postgres()
    from psycopg2 import sql

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    _administer(sql.SQL("create database {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        # A fresh connection: the server may have been restarted meanwhile (the fault suite does that).
        _administer(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def _administer(statement) -> None:
    """Run one statement as the server's administrator, outside a transaction."""
    import psycopg2

    admin = psycopg2.connect(**POSTGRES_ADMIN)
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(statement)
    finally:
        admin.close()
