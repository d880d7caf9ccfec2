"""Sources added by declaration alone (a `;`-delimited CSV drop, a gzipped JSON Lines drop, an SQL table) load
on DuckDB and Postgres and are seen by the run summary, `jaffle status`, the raw gate, the generated dbt
sources and `jaffle reset`."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from expectations.gate import run_gate
from warehouse import steps
from warehouse.cli import main
from warehouse.connection import connect, fetch_all, quote, schema_tables
from warehouse.dbt_sources import sources_file, sync_sources
from warehouse.status import warehouse_status

pytestmark = pytest.mark.slow

FILES_YAML = """
drops:
  prices:
    glob: prices/*.csv
    format: csv
    primary_key: [sku, day]
    csv: {delimiter: ";"}
    columns:
      sku: {data_type: text}
      day: {data_type: date}
      supplier: {data_type: text}
      cost_cents: {data_type: bigint}
  events:
    glob: events/*.jsonl.gz
    format: jsonl
    primary_key: id
"""
SQL_YAML = """
tables:
  accounts:
    primary_key: id
    cursor: updated_at
    naive_timestamps: [updated_at]
"""
PRICES = b'sku;day;supplier;cost_cents\nK1;2024-01-01;"Acme; Inc";100\nK2;2024-01-01;"Line\nBreak";250\nK1;2024-01-02;Bolt;110\n'
EVENTS = [{"id": f"e{n}", "kind": "visit", "amount": n * 10} for n in range(1, 5)]
ACCOUNTS = [(1, "Ada"), (2, "Grace"), (3, "Linus")]
DATASETS = ("raw_shop_files", "raw_shop_db")


@pytest.fixture
def declared(warehouse: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A sources folder with the two declarations, their landing folder and database, configured by env."""
    sources = tmp_path / "sources"
    (sources / "shop_files").mkdir(parents=True)
    (sources / "shop_files" / "files.yaml").write_text(FILES_YAML)
    (sources / "shop_db").mkdir()
    (sources / "shop_db" / "sql_database.yaml").write_text(SQL_YAML)
    landing = tmp_path / "landing"
    (landing / "prices").mkdir(parents=True)
    (landing / "prices" / "2024-01.csv").write_bytes(PRICES)
    (landing / "events").mkdir()
    lines = "\n".join(json.dumps(event) for event in EVENTS).encode()
    (landing / "events" / "day1.jsonl.gz").write_bytes(gzip.compress(lines))
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as db:
        db.execute(sa.text("create table accounts (id integer primary key, name text, updated_at timestamp)"))
        for key, name in ACCOUNTS:
            db.execute(
                sa.text("insert into accounts values (:id, :name, '2024-01-01 10:00:00')"),
                {"id": key, "name": name},
            )
    engine.dispose()
    monkeypatch.setenv("EXTRACT_LOAD__SOURCES_DIR", str(sources))
    monkeypatch.setenv("EXTRACT_LOAD__SOURCES", '["shop_files", "shop_db"]')
    monkeypatch.setenv("SOURCES__SHOP_FILES__BUCKET_URL", str(landing))
    monkeypatch.setenv("SOURCES__SHOP_DB__CREDENTIALS", url)
    return tmp_path


def _rows(sql: str) -> list[tuple]:
    """Rows of one query against the warehouse."""
    with connect(read_only=True) as connection:
        return [tuple(row) for row in fetch_all(connection, sql)]


def _raw_schemas() -> set[str]:
    """The declared sources' raw datasets that hold tables (after a reset, DuckDB starts an empty file)."""
    with connect() as connection:
        return {dataset for dataset in DATASETS if schema_tables(connection, dataset)}


def test_declared_sources_load_and_are_seen_everywhere(
    declared: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["el", "--api", "config"]) == 0
    summary = capsys.readouterr().out
    counts = {"raw_shop_files.prices": 3, "raw_shop_files.events": 4, "raw_shop_db.accounts": 3}
    assert steps.raw_row_counts() == counts
    lines = summary.splitlines()
    for table, count in counts.items():  # loaded this run, balanced; then among the raw tables
        loaded = table.removeprefix("raw_")
        assert any(
            f" {loaded} " in f"{line} " and f"read {count:,} = loaded {count:,}" in line for line in lines
        )
        assert any(line.split() == [table, f"{count:,}"] for line in lines), summary
    prices = quote("raw_shop_files", "prices")
    assert _rows(f"select sku, supplier, cost_cents from {prices} order by sku, day") == [
        ("K1", "Acme; Inc", 100),
        ("K1", "Bolt", 110),
        ("K2", "Line\nBreak", 250),
    ]
    assert _rows(f"select sum(amount) from {quote('raw_shop_files', 'events')}") == [(100,)]
    assert _rows(f"select id, name from {quote('raw_shop_db', 'accounts')} order by id") == ACCOUNTS

    gate = run_gate("raw")
    assert gate.passed, gate.summary()
    assert {suite.name for suite in gate.suites} == {
        "raw_shop_files__prices",
        "raw_shop_files__events",
        "raw_shop_db__accounts",
    }

    staging = declared / "staging"
    assert sync_sources(write=True, staging_dir=staging) and sync_sources(staging_dir=staging) == []
    entry = yaml.safe_load(sources_file("shop_files", staging).read_text())["sources"][0]
    assert entry["schema"] == "raw_shop_files"
    assert {"prices", "events"} <= {table["name"] for table in entry["tables"]}
    entry = yaml.safe_load(sources_file("shop_db", staging).read_text())["sources"][0]
    assert "accounts" in {table["name"] for table in entry["tables"]}

    with connect(role="loader") as connection:  # a row of a load that never completed
        connection.cursor().execute(
            f"insert into {quote('raw_shop_db', 'accounts')} (id, name, _dlt_load_id, _dlt_id)"
            " values (99, 'x', 'never-completed', 'x99')"
        )
        connection.commit()
    assert warehouse_status().orphan_rows == {"raw_shop_db.accounts": 1}
    assert main(["status"]) == 0
    assert "raw_shop_db.accounts: 1" in capsys.readouterr().out

    assert _raw_schemas() == set(DATASETS)
    assert main(["reset"]) == 0
    assert _raw_schemas() == set()
