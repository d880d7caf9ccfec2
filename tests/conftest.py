"""Shared fixtures: an isolated working folder per test and a warehouse switch over DuckDB and Postgres.

Postgres tests skip with a clear reason when no server answers at 127.0.0.1:5432, except in CI (CI=true),
where an unreachable server fails them: CI must prove the Postgres path.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES_ADMIN = {
    "host": "127.0.0.1",
    "port": 5432,
    "user": "postgres",
    "dbname": "postgres",
    "connect_timeout": 3,
}


def postgres_unavailable_reason() -> str | None:
    """None when the local Postgres server answers, else why not."""
    import psycopg2

    try:
        psycopg2.connect(**POSTGRES_ADMIN).close()
    except psycopg2.OperationalError as error:
        return f"PostgreSQL at 127.0.0.1:5432 is not reachable ({str(error).strip().splitlines()[0]})"
    return None


def require_postgres() -> None:
    """Skip without a server; fail in CI, where the Postgres tests must run."""
    reason = postgres_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}: CI requires the Postgres tests to run")
    pytest.skip(f"{reason}; start it with `pg_ctlcluster <version> main start`")


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A throw-away database on the local server, dropped afterwards."""
    require_postgres()
    import psycopg2
    from psycopg2 import sql

    name = f"jaffle_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(**POSTGRES_ADMIN)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        admin.close()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder for generated data, DuckDB files, dlt state and run records."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("JAFFLE_DATA_DIR", str(folder))
    monkeypatch.delenv("DESTINATION__DUCKDB__CREDENTIALS", raising=False)
    return folder


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse(request: pytest.FixtureRequest, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test using this runs once on DuckDB and once on a fresh Postgres database."""
    name = request.param
    monkeypatch.setenv("WAREHOUSE", name)
    if name == "postgres":
        database = request.getfixturevalue("postgres_database")
        monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS__DATABASE", database)
        for part, value in (("HOST", "127.0.0.1"), ("PORT", "5432"), ("USERNAME", "postgres")):
            monkeypatch.setenv(f"DESTINATION__POSTGRES__CREDENTIALS__{part}", value)
    return name
