"""Source freshness read without dbt, by the sources YAML's declarations: statuses as dbt reports them.

The slow tests in tests/dbt/test_dbt_sources.py compare these statuses with ``dbt source freshness`` on loaded
warehouses (DuckDB and Postgres); these build the ``_dlt_loads`` rows by hand to reach every status.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

import settings
from warehouse import source_freshness, steps
from warehouse.runs import RunRecord, StepFailed
from warehouse.source_freshness import dbt_selectors, declared_checks, native_freshness

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
LOADS = {"loaded_at_query": "select max(inserted_at) from {{ this }} where status = 0"}
ROWS = {
    # Folded over two lines, as PyYAML writes it: the shape, not the spacing, is compared.
    "loaded_at_query": "select max(inserted_at) from {{ this.incorporate(path={'identifier':'_dlt_loads'})\n"
    " }} where status = 0 and load_id in (select _dlt_load_id from {{ this }})"
}
WARN_36H = {"warn_after": {"count": 36, "period": "hour"}}
ERROR_3D = {**WARN_36H, "error_after": {"count": 3, "period": "day"}}


def _source(name: str, tables: list[dict]) -> dict:
    return {"sources": [{"name": name, "schema": f"raw_{name}", "loader": "dlt", "tables": tables}]}


@pytest.fixture
def staging(tmp_path: Path) -> Path:
    """Two declared sources: ``shop`` (loads, a table's rows, a custom query, an undeclared table), ``crm``."""
    folder = tmp_path / "staging"
    shop = [
        {"name": "_dlt_loads", "config": {**LOADS, "freshness": ERROR_3D}},
        {"name": "orders", "config": {**ROWS, "freshness": WARN_36H}},
        {
            "name": "events",
            "config": {"loaded_at_query": "select max(at) from {{ this }}", "freshness": WARN_36H},
        },
        {"name": "notes"},
    ]
    crm = [{"name": "_dlt_loads", "config": {**LOADS, "freshness": ERROR_3D}}]
    for name, tables in (("shop", shop), ("crm", crm)):
        (folder / name).mkdir(parents=True)
        (folder / name / f"_{name}__sources.yml").write_text(yaml.safe_dump(_source(name, tables)))
    return folder


class Warehouse:
    """The test's DuckDB file, written through a connection closed after each statement (one writer per file)."""

    def execute(self, sql: str, parameters: list | None = None) -> None:
        with duckdb.connect(str(settings.duckdb_path())) as connection:
            connection.execute(sql, parameters)


@pytest.fixture
def shop_loads(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    """The DuckDB warehouse with ``raw_shop``: an empty ``_dlt_loads`` and ``orders``; ``crm`` never loaded."""
    monkeypatch.setenv("WAREHOUSE", "duckdb")
    warehouse = Warehouse()
    warehouse.execute("create schema raw_shop")
    warehouse.execute(
        "create table raw_shop._dlt_loads (load_id varchar, schema_name varchar, status bigint,"
        " inserted_at timestamp with time zone)"
    )
    warehouse.execute("create table raw_shop.orders (id varchar, _dlt_load_id varchar)")
    return warehouse


def _load(connection: Warehouse, load_id: str, status: int, hours_ago: float) -> None:
    connection.execute(
        "insert into raw_shop._dlt_loads values (?, 'shop', ?, ?)",
        [load_id, status, NOW - timedelta(hours=hours_ago)],
    )


def _statuses(staging: Path) -> dict[str, str]:
    return {
        f"{r.source}.{r.table}": r.status
        for r in native_freshness(declared_checks(staging_dir=staging), now=NOW)
    }


def test_the_declarations_are_read_as_dbt_reads_them(staging: Path) -> None:
    checks = {f"{check.source}.{check.table}": check for check in declared_checks(staging_dir=staging)}
    assert sorted(checks) == ["crm._dlt_loads", "shop._dlt_loads", "shop.events", "shop.orders"]
    assert (checks["shop._dlt_loads"].kind, checks["shop._dlt_loads"].error_hours) == ("loads", 72.0)
    assert (checks["shop.orders"].kind, checks["shop.orders"].error_hours) == ("rows_loaded", None)
    assert checks["shop.events"].kind is None, "a query the project did not write is dbt's to run"
    assert dbt_selectors(list(checks.values())) == ["source:shop.events"]
    # A source the warehouse does not load is not checked (dbt does not see it either: dbt_project.yml).
    assert {check.source for check in declared_checks(["shop", "other"], staging_dir=staging)} == {"shop"}


def test_only_completed_loads_count_and_each_threshold_gives_its_status(
    staging: Path, shop_loads: Warehouse
) -> None:
    _load(shop_loads, "1", 0, hours_ago=48)
    _load(shop_loads, "2", 1, hours_ago=1)  # never completed: does not make the source fresh
    shop_loads.execute("insert into raw_shop.orders values ('o1', '1'), ('o2', '2')")
    assert _statuses(staging) == {
        "shop._dlt_loads": "warn",
        "shop.orders": "warn",
        "crm._dlt_loads": "error",
    }

    _load(shop_loads, "3", 0, hours_ago=1)  # a completed load that wrote no order
    assert _statuses(staging) == {
        "shop._dlt_loads": "pass",
        "shop.orders": "warn",
        "crm._dlt_loads": "error",
    }

    shop_loads.execute("update raw_shop._dlt_loads set inserted_at = inserted_at - interval 3 day")
    assert _statuses(staging)["shop._dlt_loads"] == "error"


def test_the_step_fails_naming_each_stale_table_and_warns_for_the_rest(
    staging: Path, shop_loads: Warehouse, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    _load(shop_loads, "1", 0, hours_ago=100)
    shop_loads.execute("insert into raw_shop.orders values ('o1', '1')")
    # The custom query would need dbt: drop it here (its selectors are the test above's).
    checks = [check for check in declared_checks(staging_dir=staging) if check.kind]
    monkeypatch.setenv("EXTRACT_LOAD__SOURCES", '["shop", "crm"]')
    monkeypatch.setattr(
        source_freshness,
        "declared_checks",
        lambda sources: [check for check in checks if check.source in sources],
    )
    record = RunRecord()
    with pytest.raises(StepFailed) as failed:
        steps.freshness(record)
    message = str(failed.value)
    assert "shop._dlt_loads: newest completed load 10" in message and "(threshold 72 h)" in message
    assert "crm._dlt_loads: no completed load (status = 0 in _dlt_loads) wrote it" in message
    assert "shop.orders" not in message, "a table past its warning only warns"
    assert "freshness WARN: shop.orders: newest completed load" in caplog.text
