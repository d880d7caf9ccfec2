"""GX expectations derived from the dbt tests of the models of one stage: the dbt YAML is their only declaration.

The manifest is dbt's own parse of the project: ``dbt_project/target/manifest.json`` when it is newer than
every project file, else a fresh ``dbt parse`` into a private folder (no warehouse needed).

| dbt test (on a model of the stage) | GX expectation |
|---|---|
| ``not_null`` | ``expect_column_values_to_not_be_null`` |
| ``unique`` | ``expect_column_values_to_be_unique`` |
| ``unique_combination_of_columns`` (project generic) | ``expect_compound_columns_to_be_unique`` |
| ``accepted_values`` (quoted values) | ``expect_column_values_to_be_in_set`` |
| ``relationships`` | none: needs the other relation, dbt-only |
| ``expression_is_true`` (project generic) | none: SQL text from YAML is never pasted into a query, dbt-only |
| ``accepted_values`` with ``quote: false``, any test with a ``where`` config | none: dbt-only |
| ``data_type`` contracts on marts | none: dbt enforces them when it builds the table |

GX's compound unique skips rows with a null in the key (it joins on the key columns), where dbt's test groups
nulls together: for keys that may hold nulls (``stg_jaffle_api__row_loads``) dbt's test is the stricter one.
``severity: warn`` becomes a warning, anything else is critical. Each expectation's ``meta`` carries
``declared_in: dbt:<test unique_id>`` so reports show where the rule is written.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import great_expectations.expectations as gxe
from great_expectations.expectations import Expectation

import settings
from settings import DBT_PROJECT_DIR, dbt_executable, target_dir

from . import CRITICAL, WARNING, TableSuite, gx_checks, has_rows, meta, table_suite

PROJECT_FILES = ("*.yml", "*.yaml", "*.sql", "*.py", "*.csv", "*.md")
PROJECT_FOLDERS = ("models", "macros", "tests", "snapshots", "seeds", "analyses")
_MANIFESTS: dict[tuple[str, int], dict] = {}


def newest_project_change(project_dir: Path = DBT_PROJECT_DIR) -> int:
    """The newest modification time (ns) of the files dbt parses: ``dbt_project.yml`` and its folders."""
    newest = (project_dir / "dbt_project.yml").stat().st_mtime_ns
    for folder in PROJECT_FOLDERS:
        for pattern in PROJECT_FILES:
            for path in (project_dir / folder).rglob(pattern):
                newest = max(newest, path.stat().st_mtime_ns)
    return newest


def parse_project(project_dir: Path = DBT_PROJECT_DIR) -> dict:
    """``dbt parse`` into a private target folder, then its manifest."""
    with tempfile.TemporaryDirectory(prefix="dbt_parse_") as target:
        environment = {
            **os.environ,
            "DBT_TARGET_PATH": target,
            "DBT_LOG_PATH": target,
            "WAREHOUSE": "duckdb",
            # profiles.yml and the sources read only what they are handed; parsing opens no connection
            "DESTINATION__DUCKDB__CREDENTIALS": str(settings.duckdb_path()),
            "JAFFLE_DBT_EVENT_LOGS": str(settings.event_logs_dir()),
            "JAFFLE_DBT_SOURCES": ",".join(settings.extract_load_sources()),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        command = [dbt_executable(), "parse", "--project-dir", str(project_dir)]
        command += ["--profiles-dir", str(project_dir), "--target", "duckdb", "--quiet"]
        finished = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
        if finished.returncode != 0:
            tail = (finished.stdout + finished.stderr).strip().splitlines()[-5:]
            raise RuntimeError(f"dbt parse failed in {project_dir}: {' | '.join(tail)}")
        return json.loads((Path(target) / "manifest.json").read_text())


def load_manifest(project_dir: Path = DBT_PROJECT_DIR) -> dict:
    """The project's manifest: the last one dbt wrote if no project file is newer, else a fresh parse."""
    newest = newest_project_change(project_dir)
    last = (target_dir() if project_dir == DBT_PROJECT_DIR else project_dir / "target") / "manifest.json"
    if last.exists() and last.stat().st_mtime_ns >= newest:
        key = (str(last), last.stat().st_mtime_ns)
        try:
            if key not in _MANIFESTS:
                _MANIFESTS[key] = json.loads(last.read_text())
            return _MANIFESTS[key]
        except ValueError:  # being rewritten by a dbt run right now: parse our own copy
            pass
    key = (str(project_dir.resolve()), newest)
    if key not in _MANIFESTS:
        _MANIFESTS[key] = parse_project(project_dir)
    return _MANIFESTS[key]


def severity_of_test(test: Mapping[str, Any]) -> str:
    """``warn`` (any case) is a warning; anything else is critical."""
    return WARNING if str(test["config"].get("severity", "")).lower() == "warn" else CRITICAL


def origin(test: Mapping[str, Any]) -> dict[str, str]:
    """The ``meta`` of a derived expectation: its severity and the dbt test it comes from."""
    return {**meta(severity_of_test(test)), "declared_in": f"dbt:{test['unique_id']}"}


def _not_null(test: Mapping[str, Any], kwargs: Mapping[str, Any]) -> list[Expectation]:
    """``not_null`` -> not null."""
    return [gxe.ExpectColumnValuesToNotBeNull(column=kwargs["column_name"], meta=origin(test))]


def _unique(test: Mapping[str, Any], kwargs: Mapping[str, Any]) -> list[Expectation]:
    """``unique`` -> unique."""
    return [gxe.ExpectColumnValuesToBeUnique(column=kwargs["column_name"], meta=origin(test))]


def _combination(test: Mapping[str, Any], kwargs: Mapping[str, Any]) -> list[Expectation]:
    """``unique_combination_of_columns`` -> compound unique."""
    columns = list(kwargs["combination_of_columns"])
    return [gxe.ExpectCompoundColumnsToBeUnique(column_list=columns, meta=origin(test))]


def _accepted(test: Mapping[str, Any], kwargs: Mapping[str, Any]) -> list[Expectation]:
    """``accepted_values`` -> in set (unquoted values are SQL expressions: left to dbt)."""
    if kwargs.get("quote", True) is False:
        return []
    values = list(kwargs["values"])
    return [
        gxe.ExpectColumnValuesToBeInSet(column=kwargs["column_name"], value_set=values, meta=origin(test))
    ]


MAPPED: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any]], list[Expectation]]] = {
    "not_null": _not_null,
    "unique": _unique,
    "unique_combination_of_columns": _combination,
    "accepted_values": _accepted,
}


def _model_of(test: Mapping[str, Any], nodes: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The model a test is attached to (None for tests on sources, snapshots or several models)."""
    attached = test.get("attached_node") or next(iter(test["depends_on"]["nodes"]), None)
    node = nodes.get(attached) if attached else None
    return node if node and node["resource_type"] == "model" else None


def stage_tests(manifest: Mapping[str, Any], stage: str) -> dict[str, list[Mapping[str, Any]]]:
    """``table -> generic tests`` for every model in the project folder ``stage`` (models/<stage>/...)."""
    nodes = manifest["nodes"]
    found: dict[str, list[Mapping[str, Any]]] = {}
    for model in nodes.values():
        if model["resource_type"] == "model" and model["fqn"][1:2] == [stage]:
            found.setdefault(model.get("alias") or model["name"], [])
    for test in sorted(nodes.values(), key=lambda node: node["unique_id"]):
        model = _model_of(test, nodes) if test["resource_type"] == "test" else None
        if model is not None and model["fqn"][1:2] == [stage] and test.get("test_metadata"):
            found[model.get("alias") or model["name"]].append(test)
    return found


def expectations_of(test: Mapping[str, Any]) -> list[Expectation]:
    """The GX twin of one dbt test, or nothing when it stays dbt-only (see the table above)."""
    mapper = MAPPED.get(test["test_metadata"]["name"])
    if mapper is None or test["config"].get("where"):
        return []
    kwargs = {**test["test_metadata"].get("kwargs", {})}
    kwargs.setdefault("column_name", test.get("column_name"))
    return mapper(test, kwargs)


def derived_expectations(
    stage: str, manifest: Mapping[str, Any] | None = None
) -> dict[str, list[Expectation]]:
    """``table -> expectations`` derived from the dbt tests of every model in the stage's folder."""
    tests = stage_tests(manifest if manifest is not None else load_manifest(), stage)
    return {
        table: [item for test in declared for item in expectations_of(test)]
        for table, declared in tests.items()
    }


def dbt_declared(expectations: Iterable[Expectation]) -> list[Expectation]:
    """The expectations that came from a dbt test."""
    return [item for item in expectations if str((item.meta or {}).get("declared_in", "")).startswith("dbt:")]


def stage_suites_from_dbt(
    stage: str,
    extras: Mapping[str, Mapping],
    schema_map: Mapping[str, str] | None = None,
    manifest: Mapping[str, Any] | None = None,
) -> list[TableSuite]:
    """One suite per model of the stage: has rows, then its dbt tests as GX twins, then its GX-only checks."""
    derived = derived_expectations(stage, manifest)
    unknown = sorted(set(extras) - set(derived))
    if unknown:
        raise ValueError(f"GX checks for tables that are no dbt model in {stage}: {', '.join(unknown)}")
    return [
        table_suite(
            stage, table, [*has_rows(), *derived[table], *gx_checks(extras.get(table, {}))], schema_map
        )
        for table in sorted(derived)
    ]
