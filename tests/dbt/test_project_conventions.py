"""The dbt project's own conventions, checked on its parsed manifest (no warehouse needed).

Every model and column is described, every model has a primary-key test, only staging reads sources, marts
never do, a model reads one source table unless said why, every declared source is read, no model joins more than the threshold, every mart has an enforced contract with a type for every
column, and every published mart is exposed to the readers that use it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from settings import DBT_PROJECT_DIR
from warehouse.dbt import dbt_environment

MAX_JOINS = 7
KEY_TESTS = {"unique", "unique_combination_of_columns"}
# ``*_id`` columns that name no model of their own: part of a compound key whose parent is not modelled.
REFERENCES_WITHOUT_A_MODEL = {
    ("stg_jaffle_api__supplies", "supply_id"),
    ("stg_jaffle_files__supplier_prices", "supply_id"),
    ("supplies", "supply_id"),
}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """``dbt parse`` into a private target folder, then its manifest."""
    target = tmp_path_factory.mktemp("dbt_parse")
    dbt = str(Path(sys.executable).with_name("dbt"))
    command = [dbt, "parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    environment = {
        **dbt_environment(),  # what the command line hands dbt
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(target),
        "WAREHOUSE": "duckdb",
    }
    subprocess.run(command, env=environment, check=True, capture_output=True)
    return json.loads((target / "manifest.json").read_text())


def models(manifest: dict) -> dict[str, dict]:
    """The project's models by name."""
    return {node["name"]: node for node in manifest["nodes"].values() if node["resource_type"] == "model"}


def test_every_model_and_column_is_described(manifest: dict):
    missing = []
    for name, node in models(manifest).items():
        if not node["description"].strip():
            missing.append(f"{name}: no description")
        if not node["columns"]:
            missing.append(f"{name}: no documented columns")
        missing += [
            f"{name}.{column}" for column, spec in node["columns"].items() if not spec["description"].strip()
        ]
    assert not missing, "undocumented: " + ", ".join(missing)


def test_every_model_has_a_primary_key_test(manifest: dict):
    keyed = {
        node["attached_node"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and node.get("test_metadata", {}).get("name") in KEY_TESTS
    }
    unkeyed = [name for name, node in models(manifest).items() if node["unique_id"] not in keyed]
    assert not unkeyed, f"models without a unique or unique_combination_of_columns test: {unkeyed}"


def _column_tests(manifest: dict, kinds: set[str]) -> set[tuple[str, str]]:
    """(model unique id, column) pairs carrying a generic test of one of ``kinds``."""
    return {
        (node["attached_node"], node["column_name"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and node.get("test_metadata", {}).get("name") in kinds
        and node.get("column_name")
    }


def test_every_reference_column_has_a_relationship_test(manifest: dict):
    """A ``*_id`` column that is not the model's own key points at another model, and a test says so."""
    keys = _column_tests(manifest, {"unique"})
    related = _column_tests(manifest, {"relationships"})
    unrelated = [
        f"{name}.{column}"
        for name, node in models(manifest).items()
        for column in node["columns"]
        if column.endswith("_id")
        and (node["unique_id"], column) not in keys | related
        and (name, column) not in REFERENCES_WITHOUT_A_MODEL
    ]
    assert not unrelated, f"reference columns without a relationships test: {unrelated}"


# The one documented exception: the logs folder, a DuckDB-only branch from the event-log files to two tables, reads
# its source through the shared macro event_log_lines, so `dbt build --select logs` (the Spark comparison and the
# benchmark) builds it alone (models/logs/_event_logs__sources.yml).
SOURCES_READ_OUTSIDE_STAGING = {"logs": {"source.jaffle_warehouse.event_logs.lines"}}


def test_only_staging_reads_sources(manifest: dict):
    offenders = [
        name
        for name, node in models(manifest).items()
        if node["fqn"][1] != "staging"
        and {parent for parent in node["depends_on"]["nodes"] if parent.startswith("source.")}
        - SOURCES_READ_OUTSIDE_STAGING.get(node["fqn"][1], set())
    ]
    assert not offenders, f"models outside staging that read sources directly: {offenders}"


# dbt Labs' project evaluator: a model reads one source table (besides dlt's ``_dlt_loads``, which every staging
# model reads to admit completed loads only), except where the data needs more, said here.
SEVERAL_SOURCE_TABLES = {
    "stg_jaffle_api__order_items": "dlt's child table orders__items is current only with its parent order",
    "stg_jaffle_api__row_loads": "the load of every admitted order, product and supply, for the incremental models",
}
# Declared source tables no model reads, and who reads them instead.
SOURCES_READ_OUTSIDE_DBT = {
    "source.jaffle_warehouse.jaffle_files.quarantine": "the rows the file readers set aside: docs and reviewers",
}


def test_a_model_reads_one_source_table_unless_said_why(manifest: dict):
    several = {
        name: sorted(tables)
        for name, node in models(manifest).items()
        if len(
            tables := {
                parent
                for parent in node["depends_on"]["nodes"]
                if parent.startswith("source.") and not parent.endswith("._dlt_loads")
            }
        )
        > 1
    }
    assert set(several) == set(SEVERAL_SOURCE_TABLES), f"models reading several source tables: {several}"


def test_every_declared_source_is_read(manifest: dict):
    read = {
        parent
        for node in manifest["nodes"].values()
        for parent in node.get("depends_on", {}).get("nodes", [])
        if parent.startswith("source.")
    }
    unread = set(manifest["sources"]) - read
    assert unread == set(SOURCES_READ_OUTSIDE_DBT), f"sources no model reads: {sorted(unread)}"


def test_the_event_log_models_read_their_files_through_the_source(manifest: dict):
    """No model reads files by path: the logs models depend on the event_logs source, which names the files."""
    logs = {name: node for name, node in models(manifest).items() if node["fqn"][1] == "logs"}
    assert logs and all(
        node["depends_on"]["nodes"] == ["source.jaffle_warehouse.event_logs.lines"] for node in logs.values()
    )
    source = manifest["sources"]["source.jaffle_warehouse.event_logs.lines"]
    assert "${files}" in source["meta"]["external_location"] and source["meta"]["files"].endswith(".jsonl.gz")
    readers = [node["name"] for node in models(manifest).values() if "read_csv" in node["raw_code"]]
    macros = [
        m["name"]
        for m in manifest["macros"].values()
        if m["package_name"] == "jaffle_warehouse" and "read_csv" in m["macro_sql"]
    ]
    assert not readers and not macros, f"files read outside the source: {readers + macros}"


def test_no_model_exceeds_the_join_threshold(manifest: dict):
    joins = {
        name: len(re.findall(r"\bjoin\b", node["raw_code"], re.IGNORECASE))
        for name, node in models(manifest).items()
    }
    assert max(joins.values()) <= MAX_JOINS, {
        name: count for name, count in joins.items() if count > MAX_JOINS
    }


def test_every_mart_has_an_enforced_contract_with_typed_columns(manifest: dict):
    marts = {name: node for name, node in models(manifest).items() if node["fqn"][1] == "marts"}
    assert marts
    problems = [name for name, node in marts.items() if not node["config"]["contract"]["enforced"]]
    problems += [
        f"{name}.{column}"
        for name, node in marts.items()
        for column, spec in node["columns"].items()
        if not spec.get("data_type")
    ]
    assert not problems, f"marts without an enforced contract or columns without data_type: {problems}"


def test_every_mart_is_exposed(manifest: dict):
    marts = {node["unique_id"] for node in models(manifest).values() if node["fqn"][1] == "marts"}
    exposed = {
        parent for exposure in manifest["exposures"].values() for parent in exposure["depends_on"]["nodes"]
    }
    assert manifest["exposures"] and marts <= exposed, f"marts no exposure reads: {sorted(marts - exposed)}"


def test_the_checks_can_fail(manifest: dict):
    """The conventions above are not vacuous: the project has models, column docs and key tests to check."""
    found = models(manifest)
    assert len(found) >= 15 and sum(len(node["columns"]) for node in found.values()) >= 80


def test_the_docs_open_on_this_projects_overview(manifest: dict):
    """The project's own ``__overview__`` replaces dbt's welcome page; the files and marts it names exist."""
    overview = manifest["docs"]["doc.jaffle_warehouse.__overview__"]["block_contents"]
    assert overview.startswith("# The jaffle warehouse")
    for layer in ("raw", "raw gate", "staging", "intermediate", "marts", "marts gate", "publish"):
        assert f"| **{layer}** |" in overview, layer
    paths = {path for path in re.findall(r"`([\w./<>_-]+/[\w./_-]*)`", overview) if "<" not in path}
    roots = (DBT_PROJECT_DIR.parent, DBT_PROJECT_DIR)
    missing = [
        path for path in paths if not path.startswith("data/") and not any((r / path).exists() for r in roots)
    ]
    assert len(paths) >= 8 and not missing, f"paths named by the overview that do not exist: {missing}"
    marts = {node["name"] for node in models(manifest).values() if node["fqn"][1] == "marts"}
    marts_row = next(line for line in overview.splitlines() if line.startswith("| **marts** |"))
    assert set(re.findall(r"`(\w+)`", marts_row.split("(", 1)[1].split(")", 1)[0])) == marts
