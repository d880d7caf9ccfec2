"""A source other than the demo's is seen by the whole project: run summary, status, reset."""

from __future__ import annotations

import dlt
import pytest

import settings
from extract_load.ledger import RowLedger
from extract_load.pipeline import run_source
from warehouse import steps
from warehouse.connection import connect, quote, schema_tables
from warehouse.reset import reset_warehouse
from warehouse.status import warehouse_status


@pytest.fixture(autouse=True)
def _roles(warehouse: str) -> None:
    """On Postgres the loader role must exist before a load."""
    if warehouse == "postgres":
        from engines.postgres_admin import prepare_postgres

        prepare_postgres()


def _load_shop() -> None:
    """Five orders of a source called ``shop`` into ``raw_shop``."""

    @dlt.resource(primary_key="id", write_disposition="merge")
    def orders():
        yield [{"id": n, "amount": n * 10} for n in range(1, 6)]

    @dlt.source(name="shop")
    def shop():
        return orders

    run_source("shop", shop(), RowLedger())


def _schemas() -> set[str]:
    """The pipeline's raw datasets present in the warehouse."""
    with connect(read_only=False) as connection:
        return {dataset for dataset in ("raw_shop",) if schema_tables(connection, dataset)}


def test_a_configured_source_is_in_the_summary_and_status(
    warehouse: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXTRACT_LOAD__SOURCES", '["shop"]')
    assert settings.raw_datasets() == ["raw_shop"]
    _load_shop()
    assert steps.raw_row_counts() == {"raw_shop.orders": 5}
    with connect(read_only=False, role="loader") as connection:  # a row of a load that never completed
        cursor = connection.cursor()
        cursor.execute(
            f"insert into {quote('raw_shop', 'orders')} (id, amount, _dlt_load_id, _dlt_id)"
            " values (99, 1, 'never-completed', 'x99')"
        )
        connection.commit()
    assert warehouse_status().orphan_rows == {"raw_shop.orders": 1}


def test_reset_removes_a_source_loaded_once_without_being_configured(warehouse: str) -> None:
    assert "shop" not in settings.extract_load_sources()
    _load_shop()
    assert _schemas() == {"raw_shop"}
    reset_warehouse()
    assert _schemas() == set()
