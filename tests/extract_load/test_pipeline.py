"""The extract-load runner: reconciliation before load, per-table summaries, and the stored run report."""

from __future__ import annotations

import os
from pathlib import Path

import dlt
import pyarrow as pa
import pytest

from extract_load.ledger import ReconciliationError, RowLedger, with_quarantine
from extract_load.pipeline import load_source, run_source
from extract_load.run_report import REPORTS_DATASET, TABLE_LOADS, aborted_rows, loaded_rows, store_report
from warehouse.connection import connect, fetch_all, quote, schema_tables


@pytest.fixture(autouse=True)
def _roles(request: pytest.FixtureRequest) -> None:
    """On Postgres the loader and transformer roles must exist before a load."""
    if "warehouse" in request.fixturenames and request.getfixturevalue("warehouse") == "postgres":
        from engines.postgres_admin import prepare_postgres

        prepare_postgres()


def _source(ledger: RowLedger, lose_a_row: bool = False, cursor_start: int = 0):
    """Two tables; ``lose_a_row`` makes the reader count a row it never yields (a silent drop)."""

    @dlt.resource(primary_key="id", write_disposition="merge")
    def beans(cursor=dlt.sources.incremental("id", initial_value=cursor_start)):  # noqa: B008
        rows = [{"id": n, "origin": f"farm {n}"} for n in range(1, 6)]
        ledger.count_read("beans", len(rows) + (1 if lose_a_row else 0))
        yield rows

    @dlt.resource(write_disposition="merge", primary_key="roast")
    def roasts():
        ledger.count_read("roasts", 4)
        yield pa.table({"roast": ["light", "medium"], "minutes": [9, 12]})
        yield ledger.quarantine(
            "roasts", "roasts.csv:4", "dark,twelve", "minutes: 'twelve' is not an integer"
        )
        yield pa.table({"roast": ["espresso"], "minutes": [14]})  # rows after a quarantined one stay here

    @dlt.source(name="coffee")
    def coffee():
        return beans, with_quarantine(roasts)

    return coffee()


def _rows(schema: str, table: str) -> int:
    """Row count of one table in the configured warehouse (0 when the table does not exist)."""
    with connect(read_only=False) as connection:
        if table not in schema_tables(connection, schema):
            return 0
        return fetch_all(connection, f"select count(*) from {quote(schema, table)}")[0][0]


def test_a_balanced_source_loads_with_per_table_figures(warehouse: str) -> None:
    ledger = RowLedger()
    load = run_source("coffee", _source(ledger), ledger)
    tables = {table.table: table for table in load.tables}
    assert load.dataset == "raw_coffee"
    assert (tables["beans"].rows, tables["beans"].read, tables["beans"].balanced) == (5, 5, True)
    assert (tables["roasts"].rows, tables["roasts"].quarantined, tables["roasts"].balanced) == (3, 1, True)
    assert tables["quarantine"].rows == 1 and tables["quarantine"].read is None
    assert all(table.seconds >= 0 for table in load.tables)
    assert set(load.seconds) == {"extract", "normalize", "load"}
    assert _rows("raw_coffee", "beans") == 5
    with connect(read_only=False) as connection:
        quarantined = fetch_all(
            connection, "select table_name, origin, raw_text, reason from raw_coffee.quarantine"
        )
    assert quarantined == [("roasts", "roasts.csv:4", "dark,twelve", "minutes: 'twelve' is not an integer")]


def test_an_unbalanced_source_is_aborted_before_anything_is_loaded(warehouse: str) -> None:
    ledger = RowLedger()
    with pytest.raises(ReconciliationError, match=r"beans: read 6, loaded 5, quarantined 0") as failure:
        run_source("coffee", _source(ledger, lose_a_row=True), ledger)
    assert [balance.table for balance in failure.value.failures] == ["beans"]
    assert _rows("raw_coffee", "beans") == 0
    # Nothing is left pending and the cursor was rewound: a healthy rerun loads every row.
    ledger = RowLedger()
    load = run_source("coffee", _source(ledger), ledger)
    assert load.rows["beans"] == 5
    assert _rows("raw_coffee", "beans") == 5


def test_an_unknown_source_names_the_known_ones(data_dir: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown source 'nope'; known sources: .*jaffle_api.*jaffle_files"):
        load_source("nope")


def test_run_reports_are_appended_to_the_warehouse(warehouse: str) -> None:
    ledger = RowLedger()
    load = run_source("coffee", _source(ledger), ledger)
    store_report(loaded_rows("run-1", load))
    ledger = RowLedger()
    ledger.count_read("beans", 6)
    error = ReconciliationError("coffee", ledger.reconcile({"beans": 5}))
    store_report(aborted_rows("run-2", "coffee", error))
    with connect(read_only=False) as connection:
        assert TABLE_LOADS in schema_tables(connection, REPORTS_DATASET)
        stored = fetch_all(
            connection,
            f"select run_id, table_name, status, rows_loaded, rows_read, rows_quarantined, balanced"
            f" from {quote(REPORTS_DATASET, TABLE_LOADS)} order by run_id, table_name",
        )
    assert stored == [
        ("run-1", "beans", "loaded", 5, 5, 0, True),
        ("run-1", "quarantine", "loaded", 1, None, 0, None),
        ("run-1", "roasts", "loaded", 3, 4, 1, True),
        ("run-2", "beans", "aborted", 5, 6, 0, False),
    ]


def test_postgres_normalizes_bounded_files_and_a_set_value_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    """On Postgres the file size is set for the normalize step only; on DuckDB, or when set, it is left alone."""
    from extract_load import pipeline as el_pipeline

    variable = el_pipeline.FILE_ROWS_VARIABLE
    monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("WAREHOUSE", "postgres")
    with el_pipeline._bounded_files():
        assert os.environ[variable] == str(el_pipeline.POSTGRES_FILE_ROWS)
    assert variable not in os.environ
    assert el_pipeline._load_options() == {"workers": el_pipeline.POSTGRES_LOAD_WORKERS}
    monkeypatch.setenv(variable, "7")
    with el_pipeline._bounded_files():
        assert os.environ[variable] == "7"
    monkeypatch.delenv(variable)
    monkeypatch.setenv("WAREHOUSE", "duckdb")
    with el_pipeline._bounded_files():
        assert variable not in os.environ
    assert el_pipeline._load_options() == {}  # dlt's own defaults


def test_rows_a_merge_removes_as_duplicates_are_counted_not_reported_as_loaded(warehouse: str) -> None:
    """Pages that overlap: order 3 is sent twice in one load; read = loaded + merged away + quarantined."""
    ledger = RowLedger()

    @dlt.resource(primary_key="id", write_disposition="merge")
    def orders():
        pages = [[1, 2, 3], [3, 4, 5]]  # the second page repeats the last row of the first
        for page in pages:
            ledger.count_read("orders", len(page))
            ledger.count_read("orders__items", 2 * len(page))
            yield [{"id": n, "items": [{"sku": "a"}, {"sku": "b"}]} for n in page]

    @dlt.source(name="overlap")
    def overlap():
        return orders

    load = run_source("overlap", overlap(), ledger)
    tables = {table.table: table for table in load.tables}
    assert (tables["orders"].read, tables["orders"].rows, tables["orders"].merged_away) == (6, 5, 1)
    assert (tables["orders__items"].read, tables["orders__items"].rows) == (12, 10)
    assert tables["orders__items"].merged_away == 2
    assert tables["orders"].balanced and tables["orders__items"].balanced
    assert load.rows == {"orders": 5, "orders__items": 10}
    assert _rows("raw_overlap", "orders") == 5 and _rows("raw_overlap", "orders__items") == 10
    store_report(loaded_rows("run-1", load))
    with connect(read_only=False) as connection:
        stored = fetch_all(
            connection,
            "select table_name, rows_read, rows_loaded, rows_merged_away, rows_quarantined, balanced"
            f" from {quote(REPORTS_DATASET, TABLE_LOADS)} order by table_name",
        )
    assert stored == [("orders", 6, 5, 1, 0, True), ("orders__items", 12, 10, 2, 0, True)]
    # A rerun sending the same rows replaces them: loaded again, nothing merged away within the load.
    ledger = RowLedger()
    again = {table.table: table for table in run_source("overlap", overlap(), ledger).tables}
    assert (again["orders"].rows, again["orders"].merged_away) == (5, 1)
