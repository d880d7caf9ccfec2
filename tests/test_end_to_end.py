"""The whole flow through the command line, on DuckDB and on Postgres: load, check, build, publish.

One small demo data set per engine is run through `jaffle demo` several times: the first run publishes marts
that reconcile with the source, a rerun loads nothing new, a new batch is loaded incrementally, a bad batch is
blocked by the raw gate, and a failed marts gate leaves the published data exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import urllib.request
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from published_data import published_fingerprint

import settings
from demo.api_stand_in import serve
from demo.data import append_orders, read_manifest
from warehouse.cli import main
from warehouse.connection import connect, fetch_all
from warehouse.reconcile import reconcile_with_source

pytestmark = pytest.mark.slow

SCALE = "0.02"
SEED = "7"


def demo(*extra: str) -> int:
    """One `jaffle demo` run on the small data set."""
    return main(["demo", "--scale", SCALE, "--seed", SEED, *extra])


def one_value(sql: str):
    """The single value a query returns from the warehouse."""
    with connect() as connection:
        return fetch_all(connection, sql)[0][0]


def last_run() -> dict:
    """The newest run record."""
    runs = sorted((settings.data_dir() / "runs").glob("*.json"), key=lambda path: path.stat().st_mtime)
    return json.loads(runs[-1].read_text())


def new_rows(run: dict, table: str) -> int:
    """Rows the run's extract-load step loaded into a raw table of the API source."""
    step = next(step for step in run["steps"] if step["name"] == "extract_load")
    return step["detail"]["jaffle_api"]["rows"].get(table, 0)


def published_bytes() -> str:
    """What readers see, to the byte: the readers' snapshot file on DuckDB, the publication row elsewhere."""
    snapshot = settings.published_snapshot_path()
    publication = str(one_value("select run_id || ' ' || published_at from published.publication"))
    return publication + (
        f" {hashlib.sha256(snapshot.read_bytes()).hexdigest()}" if snapshot.exists() else ""
    )


def stand_in_row_counts(data_dir: Path) -> dict:
    """What the API stand-in reports at /row-counts for the generated source system."""
    with serve(data_dir / "source") as base_url:
        with urllib.request.urlopen(f"{base_url}/row-counts", timeout=10) as response:
            return {row["table_name"]: row["row_count"] for row in json.loads(response.read())}


def assert_published_reconciles_with_source(data_dir: Path) -> None:
    """Published orders and revenue equal the source system's, as the generator and the API report them."""
    manifest = read_manifest(data_dir)
    orders, revenue = (
        one_value("select count(*) from published.orders"),
        one_value("select sum(order_total) from published.orders"),
    )
    assert orders == manifest["row_counts"]["orders"] == stand_in_row_counts(data_dir)["orders"]
    assert Decimal(str(revenue)) == Decimal(manifest["order_total_cents"]) / 100
    assert one_value("select count(*) - count(distinct order_id) from published.orders") == 0
    assert one_value("select sum(revenue) from published.store_daily_revenue") == revenue


def test_the_demo_publishes_reconciled_marts_and_two_reruns_change_nothing(
    warehouse: str, data_dir: Path, capsys
):
    assert demo() == 0
    summary = capsys.readouterr().out
    assert "Published marts" in summary and "Raw tables" in summary
    assert "reconcile orders:" in summary and "DIFFERENT" not in summary
    assert_published_reconciles_with_source(data_dir)
    first = published_fingerprint()
    assert set(first) >= {"customers", "orders", "order_items", "products", "locations", "supplies"}

    raw_orders = one_value("select count(*) from raw_jaffle_api.orders")
    publication = one_value("select run_id from published.publication")
    published_file = published_bytes()
    for rerun in (2, 3):  # three consecutive runs without new data: nothing built, nothing published
        capsys.readouterr()
        assert demo() == 0
        run = last_run()
        assert new_rows(run, "orders") == 0, f"run {rerun} must not load any order again"
        assert one_value("select count(*) from raw_jaffle_api.orders") == raw_orders
        assert [step["name"] for step in run["steps"]] == ["extract_load", "freshness", "compare_inputs"], (
            f"run {rerun} had nothing new: no gate, no dbt build, no publish"
        )
        assert "Nothing changed since run" in capsys.readouterr().out
        assert one_value("select run_id from published.publication") == publication
        assert published_bytes() == published_file, f"run {rerun} rewrote the published data"
        assert published_fingerprint() == first, f"run {rerun} changed the published marts"

    assert demo("--force") == 0, "--force runs every step"
    forced = last_run()
    assert {"check_raw", "transform", "check_marts", "publish"} <= {step["name"] for step in forced["steps"]}
    assert one_value("select run_id from published.publication") == forced["run_id"]
    assert published_fingerprint() == first, "a forced run on the same data publishes the same marts"


def test_a_new_batch_loads_incrementally(warehouse: str, data_dir: Path):
    assert demo() == 0
    before = one_value("select count(*) from published.orders")
    last = datetime.fromisoformat(read_manifest(data_dir)["last_ordered_at"])
    append_orders(data_dir, seed=99, n_orders=40, start=last + timedelta(days=1))
    assert demo() == 0
    assert new_rows(last_run(), "orders") == 40
    assert one_value("select count(*) from published.orders") == before + 40
    assert_published_reconciles_with_source(data_dir)


def _append_bad_order(data_dir: Path) -> None:
    """Append an order whose total is not subtotal + tax to the source system behind the API."""
    path = data_dir / "source" / "orders.parquet"
    orders = pq.read_table(path)
    bad = orders.slice(orders.num_rows - 1, 1).to_pylist()[0]
    bad["id"] = "00000000-0000-4000-8000-00000000bad1"
    bad["ordered_at"] = bad["ordered_at"] + timedelta(days=1)
    bad["order_total"] = bad["subtotal"] + bad["tax_paid"] + 999
    pq.write_table(pa.concat_tables([orders, pa.Table.from_pylist([bad], schema=orders.schema)]), path)


def test_the_raw_gate_blocks_a_bad_batch(warehouse: str, data_dir: Path, capsys):
    assert demo() == 0
    published = published_fingerprint()
    _append_bad_order(data_dir)
    capsys.readouterr()
    assert demo() == 1
    error = capsys.readouterr().err
    assert "raw gate failed" in error and "orders" in error
    assert published_fingerprint() == published
    assert last_run()["status"] == "failed"


def test_a_failed_marts_gate_leaves_the_published_data_intact(warehouse: str, data_dir: Path, capsys):
    assert demo() == 0
    published = published_fingerprint()
    with connect() as connection:
        cursor = connection.cursor()
        cursor.execute("update marts.orders set order_total = order_total + 1000")
        if warehouse == "postgres":
            connection.commit()
    capsys.readouterr()
    assert main(["publish"]) == 1
    assert "marts gate failed" in capsys.readouterr().err
    assert published_fingerprint() == published
    revenue = reconcile_with_source(read_manifest(data_dir))["revenue (order_total)"]
    assert not revenue["equal"], "the reconciliation must see the changed totals too"


def test_another_data_set_does_not_reconcile_until_the_warehouse_is_reset(
    warehouse: str, data_dir: Path, capsys
):
    assert demo() == 0
    published = published_fingerprint()
    capsys.readouterr()
    assert main(["demo", "--scale", "0.03", "--seed", SEED]) == 1, "old and new demo orders would mix"
    error = capsys.readouterr().err
    assert "do not reconcile" in error and "make reset" in error
    assert published_fingerprint() == published
    assert main(["reset"]) == 0
    assert main(["demo", "--scale", "0.03", "--seed", SEED]) == 0
    assert_published_reconciles_with_source(data_dir)
