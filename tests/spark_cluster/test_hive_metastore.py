"""The Hive metastore in PostgreSQL: its schema created up front, then two Spark processes share the catalog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from postgres_server import POSTGRES_ADMIN, throwaway_database
from rehearsal_driver import require_spark_prerequisites, run_rehearsal

from spark_cluster import metastore
from spark_cluster.rehearsal import ROWS, TABLE

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def metastore_database() -> Iterator[str]:
    """A throw-away database for the metastore (dropped afterwards), once Java and the JDBC driver are there."""
    with throwaway_database("jaffle_metastore") as name:
        require_spark_prerequisites(jdbc=True)
        yield name


def _query(database: str, statement: str) -> list[tuple]:
    """Rows of one read-only statement in ``database``."""
    connection = psycopg2.connect(**(POSTGRES_ADMIN | {"dbname": database}))
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchall()
    finally:
        connection.close()


def test_the_schema_is_created_up_front_once(metastore_database: str) -> None:
    """Every table of the metastore's mapping and its VERSION row exist before any Spark process runs."""
    server = POSTGRES_ADMIN
    assert metastore.create_schema(server["host"], server["port"], server["user"], metastore_database)
    assert not metastore.create_schema(server["host"], server["port"], server["user"], metastore_database)

    tables = {
        row[0]
        for row in _query(metastore_database, "select tablename from pg_tables where schemaname = 'public'")
    }
    assert {"DBS", "TBLS", "SDS", "PARTITIONS", "TAB_COL_STATS", "SEQUENCE_TABLE", "VERSION"} <= tables
    assert _query(metastore_database, 'select "SCHEMA_VERSION" from "VERSION"') == [
        (metastore.HIVE_SCHEMA_VERSION,)
    ]


def test_two_spark_processes_share_the_catalog(metastore_database: str, tmp_path: Path) -> None:
    """One process creates a database and a Parquet table; a new process sees the table and its rows.

    Both run with schema verification on and auto-creation off, and neither leaves an embedded Derby
    metastore (metastore_db/, derby.log) in its working folder.
    """
    server = POSTGRES_ADMIN
    metastore.create_schema(server["host"], server["port"], server["user"], metastore_database)
    url = metastore.jdbc_url(server["host"], server["port"], metastore_database)
    warehouse = (tmp_path / "warehouse").as_uri()
    options = ["--jdbc-url", url, "--user", server["user"], "--warehouse-dir", warehouse]

    written = run_rehearsal("catalog-write", *options, cwd=tmp_path / "writer")
    seen = run_rehearsal("catalog-read", *options, cwd=tmp_path / "reader")

    assert seen == written
    assert seen["catalog"] == "hive" and seen["tables"] == [TABLE]
    assert (seen["rows"], seen["total"]) == (ROWS, sum(range(ROWS)))
    assert (seen["table_type"], seen["provider"]) == ("MANAGED", "parquet")
    assert seen["location"].startswith(f"file:{tmp_path / 'warehouse'}")
    assert list((tmp_path / "warehouse").glob(f"*.db/{TABLE}/*.parquet"))
    # The catalog lives in PostgreSQL: the table's row is in the metastore's TBLS.
    assert _query(metastore_database, 'select "TBL_NAME", "TBL_TYPE" from "TBLS"') == [
        (TABLE, "MANAGED_TABLE")
    ]
    for folder in ("writer", "reader"):
        assert not {"metastore_db", "derby.log"} & {p.name for p in (tmp_path / folder).iterdir()}
