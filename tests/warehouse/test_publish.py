"""Publish follows the marts when their structure changes, and keeps the readers' access."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import settings
from warehouse.cli import main
from warehouse.connection import connect, fetch_all, placeholder
from warehouse.publish import publish

pytestmark = pytest.mark.slow


def columns(schema: str, table: str) -> list[str]:
    """Column names of a table, in order."""
    with connect() as connection:
        sql = (
            "select column_name from information_schema.columns"
            f" where table_schema = {placeholder()} and table_name = {placeholder()} order by ordinal_position"
        )
        return [name for (name,) in fetch_all(connection, sql, [schema, table])]


def test_a_new_mart_column_and_a_dropped_mart_are_published(warehouse: str, data_dir: Path):
    assert main(["demo", "--scale", "0.02", "--seed", "5"]) == 0
    with connect() as connection:
        cursor = connection.cursor()
        cursor.execute("alter table marts.customers add column loyalty_tier varchar")
        cursor.execute("drop table marts.supplies")
        connection.commit()
    publication = publish("structure-change")
    assert columns("published", "customers")[-1] == "loyalty_tier"
    assert (
        "supplies" not in publication.row_counts
        and "supplies" not in columns("published", "supplies") + [""][:0]
    )
    with connect() as connection:
        assert fetch_all(connection, "select run_id from published.publication") == [("structure-change",)]
    if warehouse == "postgres":
        import psycopg2

        reader = psycopg2.connect(**settings.postgres_credentials(role="reader").psycopg_kwargs())
        with reader, reader.cursor() as cursor:
            cursor.execute("select count(loyalty_tier), count(*) from published.customers")
            assert cursor.fetchone()[1] > 0
        reader.close()
    else:
        with duckdb.connect(str(settings.published_snapshot_path()), read_only=True) as snapshot:
            assert snapshot.execute("select run_id from published.publication").fetchall() == [
                ("structure-change",)
            ]
            assert "loyalty_tier" in [
                c[0] for c in snapshot.execute("describe published.customers").fetchall()
            ]
