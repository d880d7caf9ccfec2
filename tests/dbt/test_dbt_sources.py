"""dbt's sources YAML against dlt's stored schemas: check, write, stable output, freshness on completed loads.

One demo warehouse (scale 0.02, DuckDB) is loaded for the module; tests that change it work on a copy, tests
that rewrite YAML work on a copy of the committed files. The committed files must match a fresh load.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from contextlib import closing
from pathlib import Path

import dlt
import duckdb
import psycopg2
import pytest
import yaml

from extract_load.destination import dlt_destination, pipelines_dir
from settings import DBT_PROJECT_DIR, dbt_executable, duckdb_path, extract_load_sources, postgres_credentials
from warehouse.cli import main
from warehouse.dbt import dbt_environment
from warehouse.dbt_sources import GENERATED, render_sources, sources_file
from warehouse.loader_schema import LoadedColumn, LoadedTable, read_loaded_tables
from warehouse.source_freshness import declared_checks, native_freshness

SOURCES = list(extract_load_sources())  # the sources of .dlt/config.toml

pytestmark = pytest.mark.slow  # dbt runs (source freshness) and loads on both engines: not in make test-fast


def _use_data_dir(patch: pytest.MonkeyPatch, folder: Path) -> None:
    """Point every step at ``folder`` on DuckDB, with the demo OLTP database inside it."""
    patch.setenv("WAREHOUSE", "duckdb")
    patch.setenv("PROJECT__DATA_DIR", str(folder))
    patch.setenv("DEMO__OLTP_URL", f"sqlite:///{folder / 'source' / 'oltp.sqlite'}")
    patch.delenv("DESTINATION__DUCKDB__CREDENTIALS", raising=False)


@pytest.fixture(scope="module")
def loaded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the demo data loaded by ``jaffle el`` (all three sources)."""
    folder = tmp_path_factory.mktemp("dbt_sources") / "data"
    folder.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        _use_data_dir(patch, folder)
        assert main(["el", "--scale", "0.02"]) == 0
    return folder


@pytest.fixture
def loaded(loaded_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shared loaded warehouse, read only."""
    _use_data_dir(monkeypatch, loaded_dir)
    return loaded_dir


@pytest.fixture
def warehouse_copy(loaded_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the loaded data folder (warehouse and dlt state), for tests that change it."""
    folder = tmp_path / "data"
    shutil.copytree(loaded_dir, folder)
    _use_data_dir(monkeypatch, folder)
    return folder


@pytest.fixture
def staging(tmp_path: Path) -> Path:
    """The committed sources YAML files, copied so a test may edit or rewrite them."""
    folder = tmp_path / "staging"
    for source in SOURCES:
        target = sources_file(source, folder)
        target.parent.mkdir(parents=True)
        shutil.copyfile(sources_file(source), target)
    return folder


def _edit_yaml(path: Path, edit) -> None:
    """Load a YAML file, let ``edit`` change its single source entry, write it back."""
    document = yaml.safe_load(path.read_text())
    edit(document["sources"][0])
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def _table(entry: dict, name: str) -> dict:
    """A table of a source entry by name."""
    return next(table for table in entry["tables"] if table["name"] == name)


def _check(staging: Path | None = None) -> int:
    """``jaffle dbt-sources`` in check mode, against the committed files or a copy."""
    return main(["dbt-sources", *(["--staging-dir", str(staging)] if staging else [])])


def test_committed_yaml_matches_a_fresh_load(loaded: Path, capsys: pytest.CaptureFixture):
    assert _check() == 0, capsys.readouterr().err


def test_check_names_a_column_the_loader_gained_and_write_fixes_it(
    warehouse_copy: Path, staging: Path, capsys: pytest.CaptureFixture
):
    pipeline = dlt.pipeline(
        pipeline_name="jaffle_api",
        destination=dlt_destination(),
        dataset_name="raw_jaffle_api",
        pipelines_dir=str(pipelines_dir()),
    )
    pipeline.run([{"id": "cu-extra", "name": "Extra", "loyalty_tier": "gold"}], table_name="customers")
    customers = sources_file("jaffle_api", staging)
    _edit_yaml(
        customers, lambda entry: _table(entry, "customers")["columns"][0].update(description="Our key.")
    )

    assert _check(staging) == 1
    error = capsys.readouterr().err
    assert "jaffle_api.customers.loyalty_tier: column loaded by dlt (text), missing from the YAML" in error
    assert "make dbt-sources" in error

    assert main(["dbt-sources", "--write", "--staging-dir", str(staging)]) == 0
    assert _check(staging) == 0
    written = _table(yaml.safe_load(customers.read_text())["sources"][0], "customers")
    assert written["description"] == "One row per customer (key `id`)."
    columns = {column["name"]: column for column in written["columns"]}
    assert columns["id"]["description"] == "Our key."
    assert columns["loyalty_tier"]["data_type"] == "text"
    assert columns["loyalty_tier"]["description"].startswith(GENERATED)


def test_check_names_columns_and_tables_the_loader_does_not_have(
    loaded: Path, staging: Path, capsys: pytest.CaptureFixture
):
    def edit(entry: dict) -> None:
        orders = _table(entry, "orders")
        orders["columns"].append({"name": "legacy_code", "description": "Gone.", "data_type": "text"})
        next(column for column in orders["columns"] if column["name"] == "subtotal")["data_type"] = "double"
        entry["tables"].append({"name": "refunds", "description": "Never loaded."})

    _edit_yaml(sources_file("jaffle_api", staging), edit)
    assert _check(staging) == 1
    error = capsys.readouterr().err
    assert "jaffle_api.orders.legacy_code: column in the YAML, not loaded by dlt" in error
    assert "jaffle_api.orders.subtotal: data_type double in the YAML, bigint in dlt's schema" in error
    assert "jaffle_api.refunds: table in the YAML, not loaded by dlt" in error
    assert "jaffle_files" not in error and "jaffle_oltp" not in error


def test_write_is_stable(loaded: Path, staging: Path):
    assert main(["dbt-sources", "--write", "--staging-dir", str(staging)]) == 0
    first = {source: sources_file(source, staging).read_bytes() for source in SOURCES}
    assert main(["dbt-sources", "--write", "--staging-dir", str(staging)]) == 0
    assert {source: sources_file(source, staging).read_bytes() for source in SOURCES} == first
    assert first == {source: sources_file(source).read_bytes() for source in SOURCES}, "committed files churn"
    loaded_tables = read_loaded_tables(["jaffle_files"])["jaffle_files"]
    entry = yaml.safe_load(first["jaffle_files"])["sources"][0]
    assert render_sources("jaffle_files", loaded_tables, entry).encode() == first["jaffle_files"]


def test_render_keeps_what_people_wrote_and_is_stable():
    loaded = {
        "orders": LoadedTable(
            "orders",
            {
                "id": LoadedColumn("id", "text", primary_key=True),
                "note": LoadedColumn("note", "text"),
                "_dlt_id": LoadedColumn("_dlt_id", "text"),
            },
        ),
        "_dlt_loads": LoadedTable("_dlt_loads", {"status": LoadedColumn("status", "bigint")}),
    }
    existing = {
        "name": "shop",
        "description": "Line one.\nLine two, kept as written.",
        "tables": [
            {
                "name": "orders",
                "description": "Orders.",
                "config": {"meta": {"owner": "sales"}},
                "columns": [
                    {
                        "name": "note",
                        "description": "(generated) Loaded by dlt as bigint.",
                        "data_type": "bigint",
                    },
                    {"name": "id", "description": "The key.", "data_tests": ["unique", "not_null"]},
                ],
            }
        ],
    }
    text = render_sources("shop", loaded, existing)
    entry = yaml.safe_load(text)["sources"][0]
    assert entry["description"] == "Line one.\nLine two, kept as written."
    orders, loads = entry["tables"]
    assert orders["config"] == {"meta": {"owner": "sales"}}
    assert [column["name"] for column in orders["columns"]] == ["id", "note", "_dlt_id"]
    key, note, dlt_id = orders["columns"]
    assert key == {
        "name": "id",
        "description": "The key.",
        "data_type": "text",
        "data_tests": ["unique", "not_null"],
    }
    assert note["description"] == "(generated) Loaded by dlt as text."  # a placeholder follows the loader
    assert dlt_id["config"] == {"meta": {"added_by": "dlt"}}
    assert loads["config"]["loaded_at_query"] == "select max(inserted_at) from {{ this }} where status = 0"
    assert "# Freshness = age of the newest completed load" in text
    assert render_sources("shop", loaded, entry) == text


def test_quarantine_is_documented_before_and_after_its_first_row(
    warehouse_copy: Path, capsys: pytest.CaptureFixture
):
    assert "quarantine" not in read_loaded_tables(["jaffle_files"])["jaffle_files"]
    drop = warehouse_copy / "landing" / "supplier_prices" / "prices_2099-01-01.csv"
    drop.write_text(
        "supply_id,sku,supplier,cost_cents,valid_from\nSUP-001,JAF-001,Acme,not a number,2099-01-01\n"
    )
    assert main(["el", "--scale", "0.02", "--source", "jaffle_files"]) == 0
    assert "quarantine" in read_loaded_tables(["jaffle_files"])["jaffle_files"]
    assert _check() == 0, capsys.readouterr().err


def _freshness(work_dir: Path, target: str = "duckdb") -> tuple[int, dict[str, str]]:
    """``dbt source freshness``: its exit code and the status per `source.table` (the native read agreeing)."""
    project = str(DBT_PROJECT_DIR)
    command = [dbt_executable(), "source", "freshness", "--project-dir", project, "--profiles-dir", project]
    command += ["--target", target, "--target-path", str(work_dir), "--log-path", str(work_dir)]
    done = subprocess.run(command, env=dbt_environment(), capture_output=True, text=True, timeout=300)
    results = json.loads((work_dir / "sources.json").read_text())["results"]
    statuses = {".".join(result["unique_id"].split(".")[2:]): result["status"] for result in results}
    # The pipeline's freshness step reads the same declarations without dbt: it must agree with dbt on each.
    native = {
        f"{result.source}.{result.table}": result.status for result in native_freshness(declared_checks())
    }
    assert native == statuses
    return done.returncode, statuses


# Every table with a freshness declaration: each source's completed loads, and the tables that get rows daily.
FRESHNESS_TABLES = {
    "jaffle_api": ("_dlt_loads", "orders"),
    "jaffle_files": ("_dlt_loads", "loyalty_events", "store_events"),
    "jaffle_oltp": ("_dlt_loads", "shifts"),
}


def _statuses(**by_source: tuple[str, str]) -> dict[str, str]:
    """The expected status of every declared table: (loads, tables) per source."""
    return {
        f"{source}.{table}": by_source[source][table != "_dlt_loads"]
        for source, tables in FRESHNESS_TABLES.items()
        for table in tables
    }


def test_freshness_counts_only_completed_loads(warehouse_copy: Path, tmp_path: Path):
    passing = ("pass", "pass")
    assert _freshness(tmp_path / "fresh") == (0, _statuses(**dict.fromkeys(SOURCES, passing)))

    with duckdb.connect(str(duckdb_path())) as db:
        # jaffle_api: the completed loads are ten days old; the only recent load never completed.
        db.execute("update raw_jaffle_api._dlt_loads set inserted_at = inserted_at - interval 10 day")
        db.execute(
            "insert into raw_jaffle_api._dlt_loads (load_id, schema_name, status, inserted_at)"
            " values ('9999999999.000001', 'jaffle_api', 1, now())"
        )
        # jaffle_files: the last completed load is two days old, one daily run missed.
        db.execute("update raw_jaffle_files._dlt_loads set inserted_at = inserted_at - interval 2 day")
    returncode, statuses = _freshness(tmp_path / "stale")
    # A table's age is its newest completed load: the recent load that never completed does not count.
    stale = _statuses(
        jaffle_api=("error", "warn"), jaffle_files=("warn", "warn"), jaffle_oltp=("pass", "pass")
    )
    assert statuses == stale
    assert returncode != 0


def test_a_table_without_new_rows_warns_and_the_run_goes_on(warehouse_copy: Path, tmp_path: Path):
    """The latest completed load wrote no shift: shifts warn, the source's loads pass, and the exit code is 0."""
    with duckdb.connect(str(duckdb_path())) as db:
        db.execute("update raw_jaffle_oltp._dlt_loads set inserted_at = inserted_at - interval 2 day")
        db.execute(
            "insert into raw_jaffle_oltp._dlt_loads (load_id, schema_name, status, inserted_at)"
            " values ('9999999999.000002', 'jaffle_oltp', 0, now())"
        )
    returncode, statuses = _freshness(tmp_path / "quiet")
    passing = ("pass", "pass")
    assert statuses == _statuses(jaffle_api=passing, jaffle_files=passing, jaffle_oltp=("pass", "warn"))
    assert returncode == 0


@pytest.mark.parametrize("warehouse", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_check_and_freshness_on_postgres(warehouse: str, tmp_path: Path, capsys: pytest.CaptureFixture):
    assert main(["el", "--scale", "0.02"]) == 0
    assert _check() == 0, capsys.readouterr().err
    passing = ("pass", "pass")
    assert _freshness(tmp_path / "fresh", warehouse) == (0, _statuses(**dict.fromkeys(SOURCES, passing)))

    with (
        closing(psycopg2.connect(**postgres_credentials().psycopg_kwargs())) as db,
        db,
        db.cursor() as cursor,
    ):
        cursor.execute("update raw_jaffle_api._dlt_loads set inserted_at = inserted_at - interval '10 days'")
        cursor.execute(
            "insert into raw_jaffle_api._dlt_loads (load_id, schema_name, status, inserted_at)"
            " values ('9999999999.000001', 'jaffle_api', 1, now())"
        )
    returncode, statuses = _freshness(tmp_path / "stale", warehouse)
    assert statuses == _statuses(jaffle_api=("error", "warn"), jaffle_files=passing, jaffle_oltp=passing)
    assert returncode != 0
