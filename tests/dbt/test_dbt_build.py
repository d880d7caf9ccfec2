"""Build the dbt project over the raw fixture and check the marts against hand-computed values.

Runs on DuckDB by default and on Postgres through the ``warehouse`` parameter (marked ``postgres``).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dlt
import duckdb
import psycopg2
import pytest
from psycopg2 import sql
from raw_fixture import EXPECTED, load_raw_fixture

from engines.postgres_admin import setup_roles
from settings import DBT_PROJECT_DIR, MARTS_SCHEMA
from warehouse.dbt import dbt_environment

MARTS = ("customers", "orders", "order_items", "products", "locations", "supplies", "store_daily_revenue")
PG_PREFIX = "DESTINATION__POSTGRES__CREDENTIALS__"
DBT = str(Path(sys.executable).with_name("dbt"))  # the dbt installed beside this interpreter

pytestmark = pytest.mark.slow  # dbt builds: not in make test-fast


@dataclass
class BuiltWarehouse:
    """What one ``dbt build`` over the fixture produced: its exit code, log, run results and mart rows."""

    returncode: int
    output: str
    run_results: dict[str, Any]
    marts: dict[str, list[dict[str, Any]]]
    target: Path
    query: Callable[[str], list[tuple]]


def _run_dbt_build(warehouse: str, env: dict[str, str], work_dir: Path) -> subprocess.CompletedProcess:
    """Run ``dbt build`` in a subprocess with target and log paths in ``work_dir`` (parallel runs never clash)."""
    project = str(DBT_PROJECT_DIR)
    command = [
        DBT,
        "build",
        "--project-dir",
        project,
        "--profiles-dir",
        project,
        "--target",
        warehouse,
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)


def _read_duckdb_marts(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Every mart's rows as dicts, read from the DuckDB file."""
    with duckdb.connect(str(path), read_only=True) as connection:
        marts = {}
        for name in MARTS:
            relation = connection.table(f"{MARTS_SCHEMA}.{name}")
            marts[name] = [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
        return marts


def _read_postgres_marts(connect_kwargs: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every mart's rows as dicts, read from Postgres."""
    marts = {}
    with psycopg2.connect(**connect_kwargs) as connection, connection.cursor() as cursor:
        for name in MARTS:
            cursor.execute(
                sql.SQL("select * from {}.{}").format(sql.Identifier(MARTS_SCHEMA), sql.Identifier(name))
            )
            columns = [column.name for column in cursor.description]
            marts[name] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    connection.close()
    return marts


def _query_duckdb(path: Path, query: str) -> list[tuple]:
    """The rows of one query on the DuckDB file, opened read-only."""
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(query).fetchall()


def _query_postgres(connect_kwargs: dict[str, Any], query: str) -> list[tuple]:
    """The rows of one query on Postgres."""
    connection = psycopg2.connect(**connect_kwargs)
    try:
        with connection.cursor() as cursor:
            cursor.execute(query)
            return cursor.fetchall()
    finally:
        connection.close()


def _prepare_warehouse(
    warehouse: str, request: pytest.FixtureRequest, work_dir: Path
) -> tuple[Any, dict[str, str], Callable[[], dict[str, list[dict[str, Any]]]], Callable[[str], list[tuple]]]:
    """The dlt destination, the environment dbt reads (the variables dlt reads), a mart reader, a query runner."""
    if warehouse == "duckdb":
        path = work_dir / "warehouse.duckdb"
        env = {"DESTINATION__DUCKDB__CREDENTIALS": str(path)}
        return (
            dlt.destinations.duckdb(str(path)),
            env,
            lambda: _read_duckdb_marts(path),
            lambda query: _query_duckdb(path, query),
        )
    credentials = request.getfixturevalue("dbt_postgres_database")
    parts = {"host": credentials.host, "port": str(credentials.port), "username": credentials.username,
             "password": credentials.password, "database": credentials.database}  # fmt: skip
    env = {PG_PREFIX + name.upper(): value for name, value in parts.items()}
    destination = dlt.destinations.postgres(credentials=parts)
    kwargs = credentials.psycopg_kwargs()
    return (
        destination,
        env,
        lambda: _read_postgres_marts(kwargs),
        lambda query: _query_postgres(kwargs, query),
    )


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    """Load the raw fixture with dlt into a fresh warehouse, run ``dbt build`` on it, read the marts."""
    warehouse = request.param
    work_dir = tmp_path_factory.mktemp(f"dbt_{warehouse}")
    destination, env, read_marts, query = _prepare_warehouse(warehouse, request, work_dir)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
        load_raw_fixture(destination, pipelines_dir=work_dir / "pipelines")
        for name, value in {**env, "WAREHOUSE": warehouse}.items():
            patch.setenv(name, value)
        if warehouse == "postgres":  # dbt builds as the transformer role, as the pipeline does
            setup_roles()
        handed = dbt_environment()  # what the command line hands dbt: profiles.yml has no defaults
    result = _run_dbt_build(warehouse, handed, work_dir)
    run_results_path = work_dir / "target" / "run_results.json"
    run_results = json.loads(run_results_path.read_text()) if run_results_path.exists() else {}
    marts = read_marts() if result.returncode == 0 else {}
    output = result.stdout + result.stderr
    return BuiltWarehouse(result.returncode, output, run_results, marts, work_dir / "target", query)


def _marts(built: BuiltWarehouse) -> dict[str, list[dict[str, Any]]]:
    """The mart rows, once the build is known to have succeeded."""
    assert built.returncode == 0, "dbt build failed: see test_dbt_build_succeeds_with_tests_and_unit_tests"
    return built.marts


def _by_key(rows: list[dict[str, Any]], *key: str) -> dict[Any, dict[str, Any]]:
    """Index rows by one column, or by a tuple of columns."""
    return {(row[key[0]] if len(key) == 1 else tuple(row[k] for k in key)): row for row in rows}


def _assert_subset(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    """Every expected column has the expected value."""
    assert {column: actual[column] for column in expected} == expected


def test_dbt_build_succeeds_with_tests_and_unit_tests(built: BuiltWarehouse) -> None:
    """Models, data tests and unit tests all pass."""
    assert built.returncode == 0, built.output[-12000:]
    results = built.run_results["results"]
    passed = ("success", "pass")
    # exposures are listed by `dbt build` with nothing to run
    assert all(
        result["status"] in passed
        or (result["status"] == "no-op" and result["unique_id"].startswith("exposure."))
        for result in results
    ), built.output[-5000:]
    unit_tests = [result for result in results if result["unique_id"].startswith("unit_test.")]
    data_tests = [result for result in results if result["unique_id"].startswith("test.")]
    assert len(unit_tests) >= 2 and len(data_tests) >= 30


def test_every_model_description_example_runs(built: BuiltWarehouse) -> None:
    """Each model's description shows one example query (dbt-score asks for it); each runs on the built warehouse."""
    assert built.returncode == 0, "dbt build failed: see test_dbt_build_succeeds_with_tests_and_unit_tests"
    manifest = json.loads((built.target / "manifest.json").read_text())
    models = [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]
    examples = {node["name"]: re.findall(r"```sql\n(.*?)```", node["description"], re.S) for node in models}
    assert models and all(len(found) == 1 for found in examples.values()), examples
    answered = {name: built.query(found[0]) for name, found in examples.items()}
    assert answered["orders"] and answered["customers"], "the marts' examples answer on the fixture"
    ledger = answered["int_loads_processed"]  # after a build, both incremental models stamped their loads
    assert {row[0] for row in ledger} == {"int_orders_summarised", "order_items"} and all(
        row[2] for row in ledger
    )


def test_incomplete_load_never_reaches_the_marts(built: BuiltWarehouse) -> None:
    """Rows of a load missing from ``_dlt_loads`` (a new order, a newer version of one, their items) stay out."""
    orders = _by_key(_marts(built)["orders"], "order_id")
    assert sorted(orders) == ["or-1", "or-2", "or-3", "or-4"]
    assert orders["or-1"]["order_total"] == EXPECTED["orders"]["or-1"]["order_total"]
    item_ids = {row["order_item_id"] for row in _marts(built)["order_items"]}
    assert len(item_ids) == EXPECTED["count_order_items"]
    assert not item_ids & {"or-5-1", "or-1-9"}


def test_customers_lifetime_values(built: BuiltWarehouse) -> None:
    """Lifetime counts, spend, new/returning type and loyalty points per customer."""
    customers = _by_key(_marts(built)["customers"], "customer_id")
    assert set(customers) == set(EXPECTED["customers"])
    for customer_id, expected in EXPECTED["customers"].items():
        _assert_subset(customers[customer_id], expected)
    loyalty = {
        key: (row["loyalty_points_earned"], row["loyalty_points_balance"]) for key, row in customers.items()
    }
    assert loyalty == EXPECTED["loyalty"]


def test_orders_items_cost_margin_and_sequence(built: BuiltWarehouse) -> None:
    """Item counts, supply cost, margin, food/drink flags and customer order numbers per order."""
    orders = _by_key(_marts(built)["orders"], "order_id")
    for order_id, expected in EXPECTED["orders"].items():
        _assert_subset(orders[order_id], expected)


def test_store_daily_revenue(built: BuiltWarehouse) -> None:
    """One row per store and day with orders, revenue = sum of order totals."""
    revenue = _by_key(_marts(built)["store_daily_revenue"], "location_id", "order_date")
    assert set(revenue) == set(EXPECTED["store_daily_revenue"])
    for key, expected in EXPECTED["store_daily_revenue"].items():
        _assert_subset(revenue[key], expected)


def test_locations_events_and_supplies_latest_price(built: BuiltWarehouse) -> None:
    """Store-event counts per location (0 when none) and the latest supplier price per supply."""
    locations = _by_key(_marts(built)["locations"], "location_id")
    assert {key: row["count_store_events"] for key, row in locations.items()} == EXPECTED["locations"]
    staff_and_stock = {
        key: (row["count_employees"], row["count_stocked_products"], row["count_products_to_reorder"])
        for key, row in locations.items()
    }
    assert staff_and_stock == EXPECTED["location_staff_and_stock"]
    supplies = _by_key(_marts(built)["supplies"], "supply_id", "product_id")
    priced = {
        key: row["latest_supplier_cost"] for key, row in supplies.items() if row["latest_supplier_cost"]
    }
    assert priced == EXPECTED["supplies"]
    assert len(_marts(built)["products"]) == 3
