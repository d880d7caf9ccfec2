"""The whole pipeline's floor: raw tables exported, ingested natively, and the models' compiled SQL run in order."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from benchmarks.native_sql import export_raw, models_in_build_order, native_ingest_sql, source_tables

CATALOG = "warehouse"  # the compiled SQL names the pipeline's DuckDB file by its stem


def _model(name: str, schema: str, materialized: str, sql: str, depends_on: list[str]) -> dict:
    """A model node as dbt's manifest stores it after a build."""
    return {
        "resource_type": "model", "name": name, "alias": name, "database": CATALOG, "schema": schema,
        "config": {"materialized": materialized}, "compiled_code": sql, "depends_on": {"nodes": depends_on},
    }  # fmt: skip


def _manifest() -> dict:
    """Two raw tables (one declared but unread), a staging view, a mart table and an incremental mart."""
    source = {"resource_type": "source", "schema": "raw_shop", "identifier": "orders"}
    nodes = {
        # listed before what they read: the build order comes from the dependencies, not from this order
        "model.p.order_totals": _model(
            "order_totals", "marts", "incremental",
            'select customer, sum(amount) as amount from "warehouse"."staging"."stg_orders" group by customer',
            ["model.p.stg_orders"],
        ),
        "model.p.orders": _model(
            "orders", "marts", "table", 'select * from "warehouse"."staging"."stg_orders"', ["model.p.stg_orders"]
        ),
        "model.p.stg_orders": _model(
            "stg_orders", "staging", "view",
            'select id, customer, amount from "warehouse"."raw_shop"."orders" where amount >= 0',
            ["source.p.shop.orders"],
        ),
    }  # fmt: skip
    sources = {
        "source.p.shop.orders": source,
        "source.p.shop.refunds": {"resource_type": "source", "schema": "raw_shop", "identifier": "refunds"},
    }
    return {"nodes": nodes, "sources": sources}


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    """A pipeline warehouse after a build (raw rows, views and marts) and its manifest."""
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(_manifest()))
    path = tmp_path / "pipeline" / f"{CATALOG}.duckdb"
    path.parent.mkdir()
    connection = duckdb.connect(str(path))
    connection.execute("create schema raw_shop")
    connection.execute(
        "create table raw_shop.orders as select range as id, 'c' || (range % 3) as customer, "
        "range - 2 as amount from range(10)"
    )
    connection.execute("create table raw_shop.unread as select 1 as x")
    for model in models_in_build_order(_manifest()):
        kind = "view" if model["config"]["materialized"] == "view" else "table"
        connection.execute(f"create schema if not exists {model['schema']}")
        connection.execute(f"create {kind} {model['schema']}.{model['name']} as {model['compiled_code']}")
    connection.close()
    return path, manifest


def test_models_follow_their_dependencies_and_need_compiled_sql():
    """Each model comes after the model it reads; a model without compiled SQL stops the baseline."""
    names = [model["name"] for model in models_in_build_order(_manifest())]
    assert names.index("stg_orders") < names.index("orders")
    assert names.index("stg_orders") < names.index("order_totals")
    manifest = _manifest()
    manifest["nodes"]["model.p.orders"]["compiled_code"] = None
    with pytest.raises(RuntimeError, match="no compiled SQL for orders"):
        models_in_build_order(manifest)


def test_only_the_sources_the_models_read_are_exported():
    """A declared source no model selects from (refunds) is not part of the floor."""
    assert source_tables(_manifest()) == [("raw_shop", "orders")]


def test_the_floor_rebuilds_the_same_marts(built: tuple[Path, Path], tmp_path: Path, monkeypatch):
    """Native ingest of the exported raw rows plus the models' SQL gives the pipeline's marts, counted alike."""
    monkeypatch.setenv("WAREHOUSE", "duckdb")
    monkeypatch.chdir(tmp_path)  # the floor moves to dbt's working folder; the test gets its own back
    pipeline, manifest = built
    exported = export_raw(
        {"warehouse": str(pipeline), "manifest": str(manifest), "out": str(tmp_path / "raw")}
    )
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == ["raw_shop.orders.parquet"]
    assert exported["detail"]["marts"] == {"orders": 8, "order_totals": 3}

    floor = native_ingest_sql(
        {"files": str(tmp_path / "raw"), "manifest": str(manifest), "dbt_project": str(tmp_path),
         "path": str(tmp_path / "floor.duckdb")}
    )  # fmt: skip
    assert floor["rows"] == 10
    assert floor["detail"]["marts"] == exported["detail"]["marts"]
    assert floor["detail"]["models"] == 3
    assert floor["seconds"] == pytest.approx(
        floor["detail"]["ingest_seconds"] + floor["detail"]["sql_seconds"], abs=0.01
    )
    connection = duckdb.connect(str(tmp_path / "floor.duckdb"), read_only=True)
    kinds = dict(
        connection.execute(
            "select table_name, table_type from information_schema.tables where table_schema <> 'raw_shop'"
        ).fetchall()
    )
    assert kinds == {"orders": "BASE TABLE", "stg_orders": "VIEW", "order_totals": "BASE TABLE"}
    assert (
        connection.execute("select sum(amount) from marts.order_totals").fetchone()[0] == 28
    )  # amounts 0 .. 7: the view dropped -2 and -1
