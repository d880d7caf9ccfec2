"""Fixtures for the dbt tests: a throw-away Postgres database for the whole session.

Session-scoped (one dbt build per warehouse serves the whole module), hence separate from the
function-scoped ``postgres_database`` in tests/conftest.py. Skips and CI failures as in postgres_server.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from postgres_server import throwaway_database

from settings import PostgresCredentials, postgres_credentials


@pytest.fixture(scope="session")
def dbt_postgres_database() -> Iterator[PostgresCredentials]:
    """Credentials of a fresh database ``jaffle_dbt_test_<random>`` on the local server."""
    with throwaway_database("jaffle_dbt_test") as database:
        yield dataclasses.replace(
            postgres_credentials(), host="127.0.0.1", port=5432, username="postgres", database=database
        )
