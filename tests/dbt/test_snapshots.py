"""Snapshots keep the history of customers, products and supply costs (SCD type 2), on DuckDB and Postgres.

The raw fixture is built with ``dbt build`` (which runs the snapshots); a later API load renames a customer and
changes a product's price and a supply's cost; ``dbt snapshot`` then records each change as a new version. dbt
runs in a session time zone far from UTC (``TZ`` and ``PGTZ`` = Asia/Tokyo): snapshot times must be UTC anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from raw_fixture import LATER_PRODUCTS, LATER_SUPPLIES, fixture_warehouse, load_api_batch, run_dbt_checked

from warehouse.connection import connect, fetch_all, placeholder

SNAPSHOTS = {
    "customers_snapshot": "customer_id",
    "products_snapshot": "product_id",
    "supplies_snapshot": "supply_id",
}
CURRENT = datetime(9999, 12, 31)  # dbt_valid_to of current versions (dbt_valid_to_current)
CLOCK_SLACK = timedelta(seconds=30)

pytestmark = pytest.mark.slow  # dbt builds: not in make test-fast


@dataclass
class History:
    """Every snapshot's rows, the column types, and the UTC windows in which each dbt run ran."""

    rows: dict[str, list[dict[str, Any]]]
    column_types: set[str]
    first_run: tuple[datetime, datetime]
    second_run: tuple[datetime, datetime]

    def versions(self, snapshot: str, key: str) -> list[dict[str, Any]]:
        """The versions of one key, oldest first."""
        rows = [row for row in self.rows[snapshot] if row[SNAPSHOTS[snapshot]] == key]
        return sorted(rows, key=lambda row: row["dbt_valid_from"])


def _utc_now() -> datetime:
    """Now in UTC, without time zone, like the warehouse's timestamps."""
    return datetime.now(UTC).replace(tzinfo=None)


def _timed_dbt(*arguments: str) -> tuple[datetime, datetime]:
    """Run dbt; the UTC window it ran in."""
    started = _utc_now()
    run_dbt_checked(*arguments)
    return started, _utc_now()


def _read_snapshots() -> tuple[dict[str, list[dict[str, Any]]], set[str]]:
    """Every snapshot's rows as dicts, and the data types of their dbt_valid_from and dbt_valid_to columns."""
    rows = {}
    with connect() as connection:
        for snapshot in SNAPSHOTS:
            cursor = connection.cursor()
            cursor.execute(f"select * from snapshots.{snapshot}")
            columns = [column[0] for column in cursor.description]
            rows[snapshot] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        types = fetch_all(
            connection,
            "select distinct lower(data_type) from information_schema.columns"
            f" where table_schema = {placeholder()} and column_name in ('dbt_valid_from', 'dbt_valid_to')",
            ["snapshots"],
        )
    return rows, {data_type for (data_type,) in types}


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def history(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> History:
    """Build, load a batch of changes, snapshot again; read the snapshots."""
    work_dir = tmp_path_factory.mktemp(f"snapshots_{request.param}")
    with fixture_warehouse(request.param, work_dir) as pipelines_dir, pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "Asia/Tokyo")  # DuckDB's session time zone follows TZ
        patch.setenv("PGTZ", "Asia/Tokyo")  # libpq sets Postgres' session time zone from PGTZ
        first_run = _timed_dbt("build")
        load_api_batch(
            pipelines_dir,
            customers=[{"id": "cu-alice", "name": "Alice Baker"}],
            products=LATER_PRODUCTS,
            supplies=LATER_SUPPLIES,
        )
        second_run = _timed_dbt("snapshot")
        rows, column_types = _read_snapshots()
    return History(rows, column_types, first_run, second_run)


def _within(moment: datetime, window: tuple[datetime, datetime]) -> bool:
    """True when a naive UTC time falls in a run's window (with slack for clock granularity)."""
    return window[0] - CLOCK_SLACK <= moment <= window[1] + CLOCK_SLACK


def test_a_renamed_customer_gets_a_new_version_and_the_old_one_is_closed(history: History):
    old, new = history.versions("customers_snapshot", "cu-alice")
    assert (old["customer_name"], new["customer_name"]) == ("Alice Adams", "Alice Baker")
    assert old["dbt_valid_to"] == new["dbt_valid_from"], "the old version ends when the new one starts"
    assert new["dbt_valid_to"] == CURRENT
    assert _within(old["dbt_valid_from"], history.first_run)
    assert _within(new["dbt_valid_from"], history.second_run)


def test_unchanged_customers_keep_one_current_version(history: History):
    for customer in ("cu-bob", "cu-carol"):
        (version,) = history.versions("customers_snapshot", customer)
        assert version["dbt_valid_to"] == CURRENT


def test_price_and_cost_changes_are_versioned(history: History):
    prices = [row["product_price"] for row in history.versions("products_snapshot", "BEV-002")]
    assert prices == [Decimal("7.00"), Decimal("7.50")]
    mango = [
        row for row in history.versions("supplies_snapshot", "SUP-009") if row["product_id"] == "BEV-001"
    ]
    assert [row["supply_cost"] for row in mango] == [Decimal("0.65"), Decimal("0.70")]
    assert [row["dbt_valid_to"] == CURRENT for row in mango] == [False, True]
    assert len(history.versions("products_snapshot", "JAF-001")) == 1


def test_snapshot_times_are_naive_utc_on_every_engine(history: History):
    """With the session nine hours ahead of UTC, every recorded time still falls in a run's UTC window."""
    assert history.column_types <= {"timestamp", "timestamp without time zone"}
    for rows in history.rows.values():
        for row in rows:
            for column in ("dbt_valid_from", "dbt_updated_at"):
                assert row[column].tzinfo is None
                assert _within(row[column], history.first_run) or _within(row[column], history.second_run)
