"""dlt's cursors belong to the warehouse they were loaded into: switching or replacing it loads every row again."""

from __future__ import annotations

import shutil
from pathlib import Path

import dlt
import pytest

import settings
from extract_load.destination import pipelines_dir
from extract_load.ledger import RowLedger
from extract_load.pipeline import run_source
from warehouse.connection import connect, fetch_all, quote, schema_tables


@pytest.fixture(autouse=True)
def _roles(request: pytest.FixtureRequest) -> None:
    """On Postgres the loader role must exist before a load."""
    if "warehouse" in request.fixturenames and request.getfixturevalue("warehouse") == "postgres":
        from engines.postgres_admin import prepare_postgres

        prepare_postgres()


def _orders(last_id: int):
    """Orders 1..last_id, read incrementally on ``id``: a rerun reads only ids past the stored cursor."""

    @dlt.resource(primary_key="id", write_disposition="merge")
    def orders(cursor=dlt.sources.incremental("id", initial_value=0)):  # noqa: B008
        yield [{"id": n, "amount": n * 10} for n in range(1, last_id + 1)]

    @dlt.source(name="shop")
    def shop():
        return orders

    return shop()


def _load(last_id: int) -> int:
    """One extract-load of orders 1..last_id; the rows it loaded."""
    ledger = RowLedger()
    return run_source("shop", _orders(last_id), ledger).rows.get("orders", 0)


def _rows() -> int:
    """Orders in the configured warehouse (0 when the table does not exist)."""
    with connect(read_only=False) as connection:
        if "orders" not in schema_tables(connection, "raw_shop"):
            return 0
        return fetch_all(connection, f"select count(*) from {quote('raw_shop', 'orders')}")[0][0]


def test_a_rerun_on_the_same_warehouse_loads_only_new_rows(warehouse: str) -> None:
    assert _load(5) == 5
    assert _load(5) == 0
    assert _load(7) == 2
    assert _rows() == 7


def test_another_duckdb_file_gets_every_row(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAREHOUSE", "duckdb")
    assert _load(5) == 5
    first_state = pipelines_dir()
    monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS", str(data_dir / "other.duckdb"))
    assert pipelines_dir() != first_state
    assert _load(5) == 5
    assert _rows() == 5
    assert (pipelines_dir() / "destination.txt").read_text().strip().endswith("other.duckdb")


@pytest.mark.postgres
@pytest.mark.parametrize("warehouse", ["postgres"], indirect=True)
def test_another_postgres_database_gets_every_row(warehouse: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from postgres_server import throwaway_database

    from engines.postgres_admin import prepare_postgres

    assert _load(5) == 5
    with throwaway_database("jaffle_other") as other:
        monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS__DATABASE", other)
        prepare_postgres()
        assert _load(5) == 5
        assert _rows() == 5


def test_a_warehouse_emptied_under_the_pipeline_gets_every_row(warehouse: str) -> None:
    """The same file or database, its raw dataset dropped: the local cursor must not be trusted."""
    assert _load(5) == 5
    if warehouse == "duckdb":
        for leftover in (settings.duckdb_path(), settings.duckdb_path().with_suffix(".duckdb.wal")):
            leftover.unlink(missing_ok=True)
    else:
        from psycopg2 import sql

        from engines.postgres_admin import admin_connection

        connection = admin_connection(settings.postgres_credentials().database)
        try:
            with connection.cursor() as cursor:
                for schema in ("raw_shop", "raw_shop_staging"):
                    cursor.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
        finally:
            connection.close()
    assert _load(5) == 5
    assert _rows() == 5


def test_a_warehouse_restored_from_an_older_copy_gets_the_rows_it_lacks(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The DuckDB file goes back to a copy taken after 5 orders; the local cursor says 10 were loaded."""
    monkeypatch.setenv("WAREHOUSE", "duckdb")
    assert _load(5) == 5
    backup = data_dir / "backup.duckdb"
    shutil.copyfile(settings.duckdb_path(), backup)
    assert _load(10) == 5
    shutil.copyfile(backup, settings.duckdb_path())
    assert _rows() == 5
    assert _load(10) == 5
    assert _rows() == 10
