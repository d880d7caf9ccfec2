"""Fixtures for the dbt tests: a throwaway Postgres database per test session.

Without a reachable server the Postgres tests are skipped, except when ``CI=true``: there they fail.
Session-scoped (one dbt build per warehouse serves the whole module), hence separate from the
function-scoped ``postgres_database`` in tests/conftest.py.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Iterator

import psycopg2
import pytest
from psycopg2 import sql

from warehouse.settings import PostgresCredentials, postgres_credentials


@pytest.fixture(scope="session")
def dbt_postgres_database() -> Iterator[PostgresCredentials]:
    """Create a fresh database ``jaffle_dbt_test_<random>`` on the configured server; drop it afterwards."""
    server = postgres_credentials()
    try:
        admin = psycopg2.connect(**{**server.psycopg_kwargs(), "dbname": "postgres", "connect_timeout": 3})
    except psycopg2.OperationalError as error:
        reason = f"PostgreSQL at {server.host}:{server.port} is not reachable ({str(error).strip().splitlines()[0]})"
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"{reason}; CI=true requires it")
        pytest.skip(reason)
    admin.autocommit = True
    database = f"jaffle_dbt_test_{secrets.token_hex(4)}"
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("create database {}").format(sql.Identifier(database)))
    try:
        yield dataclasses.replace(server, database=database)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database))
            )
        admin.close()
