"""The incremental models process only new dlt loads, and end up equal to a full refresh; DuckDB and Postgres.

One scenario per engine, built with the project's own runner (``warehouse.dbt.run_dbt``): the raw fixture (with
its incomplete load) is built; load A adds an order and re-sends one with other lines; then the incomplete load
completes while load B changes a product's price, a supply's cost and re-sends an order with no lines. After
each run the ledger (``int_loads_processed``) and the tables are read; finally ``dbt build --full-refresh``
must give exactly the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from raw_fixture import (
    INCOMPLETE_LOAD_ID,
    LATER_PRODUCTS,
    LATER_SUPPLIES,
    api_order,
    complete_incomplete_load,
    fixture_warehouse,
    load_api_batch,
    run_dbt_checked,
)

from warehouse.connection import connect, fetch_all, placeholder, quote

INCREMENTAL_MODELS = ("int_orders_summarised", "order_items")
COMPARED_TABLES = (
    ("intermediate", "int_orders_summarised"),
    *(
        ("marts", name)
        for name in (
            "customers",
            "orders",
            "order_items",
            "products",
            "locations",
            "supplies",
            "store_daily_revenue",
        )
    ),
)
SENTINEL_ORDER = "or-3"  # Alice's; no later load touches it

pytestmark = pytest.mark.slow  # dbt builds: not in make test-fast


@dataclass
class Run:
    """What one dbt run did: its invocation id, the loads it processed per model, and every compared table."""

    invocation_id: str
    processed: dict[str, set[str]]
    tables: dict[str, list[dict[str, Any]]] = field(repr=False)


@dataclass
class Scenario:
    """The runs of the scenario on one engine, the load ids it created and what the sentinel showed."""

    engine: str
    load_ids: dict[str, str]
    runs: dict[str, Run]
    sentinel_after_a: list[tuple]


def _read(sql: str, parameters: tuple = ()) -> list[tuple]:
    """All rows of a query on the configured warehouse (as dbt's transformer role on Postgres)."""
    with connect() as connection:
        return fetch_all(connection, sql, parameters)


def _table(schema: str, name: str) -> list[dict[str, Any]]:
    """A table's rows as dicts, sorted, so two builds compare equal whatever the physical order."""
    with connect() as connection:
        cursor = connection.cursor()
        cursor.execute(f"select * from {quote(schema, name)}")
        columns = [column[0] for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return sorted(rows, key=repr)


def _observe(invocation_id: str) -> Run:
    """Read the ledger rows the run wrote and every compared table."""
    ledger = _read(
        "select model_name, load_id from intermediate.int_loads_processed"
        f" where dbt_invocation = {placeholder()} and processed_at is not null",
        (invocation_id,),
    )
    processed = {model: {load for name, load in ledger if name == model} for model in INCREMENTAL_MODELS}
    tables = {f"{schema}.{name}": _table(schema, name) for schema, name in COMPARED_TABLES}
    return Run(invocation_id, processed, tables)


def _execute(sql: str, parameters: tuple = ()) -> None:
    """One write on the warehouse, committed."""
    with connect() as connection:
        cursor = connection.cursor()
        cursor.execute(sql, parameters)
        connection.commit()


def _tamper_sentinel(value: str) -> None:
    """Overwrite the product name of an order no later load touches, in the incremental order_items mart."""
    _execute(
        f"update marts.order_items set product_name = {placeholder()} where order_id = {placeholder()}",
        (value, SENTINEL_ORDER),
    )


def _play(pipelines_dir: Path, engine: str) -> Scenario:
    """Build, load A, build, complete the incomplete load and load B, build, then build with --full-refresh."""
    runs, load_ids = {}, {}
    runs["first"] = _observe(run_dbt_checked("build"))

    load_ids["a"] = load_api_batch(
        pipelines_dir,
        orders=[
            api_order("or-6", "cu-carol", "st-bkn", datetime(2017, 3, 16, 10), (600, 36), ["BEV-001"]),
            api_order(
                "or-4", "cu-bob", "st-bkn", datetime(2017, 3, 15, 12, 45), (1700, 102), ["BEV-001", "JAF-001"]
            ),
        ],
    )
    original_name = _read(
        f"select product_name from marts.order_items where order_id = {placeholder()}", (SENTINEL_ORDER,)
    )[0][0]
    _tamper_sentinel("sentinel")
    runs["a"] = _observe(run_dbt_checked("build"))
    sentinel = _read(
        f"select product_name from marts.order_items where order_id = {placeholder()}", (SENTINEL_ORDER,)
    )
    _tamper_sentinel(original_name)

    complete_incomplete_load(pipelines_dir)
    load_ids["incomplete"] = INCOMPLETE_LOAD_ID
    load_ids["b"] = load_api_batch(
        pipelines_dir,
        products=LATER_PRODUCTS,
        supplies=LATER_SUPPLIES,
        orders=[api_order("or-6", "cu-carol", "st-bkn", datetime(2017, 3, 16, 10), (0, 0), [])],
    )
    runs["b"] = _observe(run_dbt_checked("build"))
    runs["full_refresh"] = _observe(run_dbt_checked("build", "--full-refresh"))
    return Scenario(engine, load_ids, runs, sentinel)


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def scenario(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The scenario played once per engine, in a fresh warehouse."""
    work_dir = tmp_path_factory.mktemp(f"incremental_{request.param}")
    with fixture_warehouse(request.param, work_dir) as pipelines_dir:
        return _play(pipelines_dir, request.param)


def _order_items(run: Run) -> dict[str, list[tuple]]:
    """The order_items mart's (order_item_id, product_id, product_price) per order."""
    lines: dict[str, list[tuple]] = {}
    for row in run.tables["marts.order_items"]:
        lines.setdefault(row["order_id"], []).append(
            (row["order_item_id"], row["product_id"], row["product_price"])
        )
    return {order: sorted(items) for order, items in lines.items()}


def _orders(run: Run) -> dict[str, tuple]:
    """The orders mart's (count_order_items, order_total) per order."""
    return {
        row["order_id"]: (row["count_order_items"], row["order_total"]) for row in run.tables["marts.orders"]
    }


def test_the_first_build_processes_every_completed_load_but_not_the_incomplete_one(scenario: Scenario):
    first = scenario.runs["first"]
    for model in INCREMENTAL_MODELS:
        assert len(first.processed[model]) == 1, "the fixture's API data is one completed load"
        assert INCOMPLETE_LOAD_ID not in first.processed[model]
    assert "or-5" not in _orders(first)


def test_an_incremental_run_processes_only_the_new_load(scenario: Scenario):
    run = scenario.runs["a"]
    assert run.processed == {model: {scenario.load_ids["a"]} for model in INCREMENTAL_MODELS}
    assert scenario.sentinel_after_a == [("sentinel",), ("sentinel",)], (
        "rows of untouched orders were rewritten"
    )
    lines = _order_items(run)
    assert lines["or-6"] == [("or-6-1", "BEV-001", Decimal("6.00"))]
    assert [item[1] for item in lines["or-4"]] == ["BEV-001", "JAF-001"], "a re-sent order gets its new lines"
    assert _orders(run)["or-4"] == (2, Decimal("18.02"))


def test_an_incomplete_load_is_picked_up_once_it_completes(scenario: Scenario):
    assert "or-5" not in _orders(scenario.runs["a"]), "still incomplete at run A"
    run = scenario.runs["b"]
    assert run.processed == {
        model: {scenario.load_ids["incomplete"], scenario.load_ids["b"]} for model in INCREMENTAL_MODELS
    }
    lines = _order_items(run)
    assert lines["or-5"] == [("or-5-1", "JAF-001", Decimal("11.00"))]
    assert lines["or-1"] == [("or-1-9", "BEV-002", Decimal("7.50"))], (
        "or-1's new version replaced all its lines"
    )
    assert _orders(run)["or-1"] == (1, Decimal("102.96"))


def test_changed_products_and_emptied_orders_are_rebuilt(scenario: Scenario):
    run = scenario.runs["b"]
    lines = _order_items(run)
    assert lines["or-2"] == [("or-2-1", "BEV-002", Decimal("7.50"))], "a price change reprices old lines"
    assert "or-6" not in lines, "an order re-sent without lines keeps none"
    assert _orders(run)["or-6"] == (0, Decimal("0.00"))
    costs = {row["order_id"]: row["order_cost"] for row in run.tables["intermediate.int_orders_summarised"]}
    assert "or-6" not in costs
    assert costs["or-4"] == Decimal("1.23"), "BEV-001 (cup 0.13 + mango, now 0.70) + JAF-001 (0.40)"


def test_the_incremental_path_equals_a_full_refresh(scenario: Scenario):
    incremental, full = scenario.runs["b"], scenario.runs["full_refresh"]
    assert set(incremental.tables) == set(full.tables)
    for table in incremental.tables:
        assert incremental.tables[table] == full.tables[table], f"{table} differs from a full refresh"
    assert all(incremental.tables[table] for table in incremental.tables), "every compared table has rows"
