"""The staging and marts suites derive their keys, not-null columns and accepted values from the dbt YAML."""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path

import pytest
import yaml

from expectations.suites import CRITICAL, WARNING, from_dbt, marts, staging
from expectations.suites.from_dbt import derived_expectations, load_manifest, stage_suites_from_dbt
from settings import DBT_PROJECT_DIR

STAGES = {"staging": staging, "marts": marts}
TWINS = {
    "not_null": "expect_column_values_to_not_be_null",
    "unique": "expect_column_values_to_be_unique",
    "accepted_values": "expect_column_values_to_be_in_set",
    "unique_combination_of_columns": "expect_compound_columns_to_be_unique",
}


def dbt_tests(manifest: dict, stage: str) -> list[tuple[str, dict]]:
    """``(model name, test node)`` for every generic test on a model in ``models/<stage>/``."""
    nodes = manifest["nodes"]
    found = []
    for test in nodes.values():
        model = nodes.get(test.get("attached_node") or "")
        if test["resource_type"] == "test" and model and model["fqn"][1] == stage:
            found.append((model["name"], test))
    return found


def by_origin(stage: str) -> dict[str, tuple[str, object]]:
    """``declared_in -> (suite table, expectation)`` over the stage's suites."""
    found = {}
    for suite in STAGES[stage].suites():
        for expectation in suite.expectations:
            origin = (expectation.meta or {}).get("declared_in")
            if origin:
                found[origin] = (suite.table, expectation)
    return found


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_every_mappable_dbt_test_has_its_gx_twin(stage):
    twins = by_origin(stage)
    tests = dbt_tests(load_manifest(), stage)
    mappable = [(model, test) for model, test in tests if test["test_metadata"]["name"] in TWINS]
    assert len(mappable) > 20
    for model, test in mappable:
        table, expectation = twins[f"dbt:{test['unique_id']}"]
        kwargs = test["test_metadata"]["kwargs"]
        assert table == model and expectation.expectation_type == TWINS[test["test_metadata"]["name"]]
        if "combination_of_columns" in kwargs:
            assert expectation.configuration.kwargs["column_list"] == kwargs["combination_of_columns"]
        else:
            assert expectation.configuration.kwargs["column"] == test["column_name"]
        if "values" in kwargs:
            assert expectation.configuration.kwargs["value_set"] == kwargs["values"]
        assert expectation.meta["severity"] == CRITICAL  # no mapped test of the project is severity: warn
    assert len(twins) == len(mappable)


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_the_python_checks_never_repeat_a_dbt_test(stage):
    for suite in STAGES[stage].suites():
        derived, own = set(), []
        for expectation in suite.expectations:
            kwargs = expectation.configuration.kwargs
            key = (
                expectation.expectation_type,
                kwargs.get("column") or tuple(kwargs.get("column_list") or ()),
            )
            if (expectation.meta or {}).get("declared_in"):
                derived.add(key)
            else:
                own.append(key)
        assert not derived & set(own), suite.name
        assert len(own) == len(set(own)), suite.name


def test_relationships_and_expressions_stay_in_dbt():
    nodes = load_manifest()["nodes"]
    origins = {origin.removeprefix("dbt:") for stage in STAGES for origin in by_origin(stage)}
    assert {nodes[origin]["test_metadata"]["name"] for origin in origins} == set(TWINS)
    declared = {
        test["test_metadata"]["name"] for stage in STAGES for _, test in dbt_tests(load_manifest(), stage)
    }
    assert {"relationships", "expression_is_true"} <= declared


def test_severity_warn_maps_to_warning_and_where_stays_in_dbt():
    manifest = copy.deepcopy(load_manifest())
    tests: dict[str, dict] = {}
    for model, test in dbt_tests(manifest, "marts"):
        if model == "orders" and test["test_metadata"]["name"] in ("unique", "not_null"):
            tests[test["unique_id"]] = test
    warned, filtered = sorted(tests)[:2]
    tests[warned]["config"]["severity"] = "warn"
    tests[filtered]["config"]["where"] = "ordered_at > '2017-01-01'"
    orders = {
        item.meta["declared_in"]: item.meta["severity"]
        for item in derived_expectations("marts", manifest)["orders"]
    }
    assert orders[f"dbt:{warned}"] == WARNING
    assert f"dbt:{filtered}" not in orders
    assert {severity for origin, severity in orders.items() if origin != f"dbt:{warned}"} == {CRITICAL}


def copy_project(destination: Path) -> Path:
    """A copy of the dbt project without its build output."""
    return Path(
        shutil.copytree(
            DBT_PROJECT_DIR, destination, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages")
        )
    )


def edit_columns(path: Path, edit: dict[str, list]) -> None:
    """Replace the ``data_tests`` of some columns of the first model in a model YAML."""
    document = yaml.safe_load(path.read_text())
    for column in document["models"][0]["columns"]:
        if column["name"] in edit:
            column["data_tests"] = edit[column["name"]]
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def test_a_column_list_edited_in_dbt_yaml_changes_the_suite_with_no_python_edit(tmp_path):
    project = copy_project(tmp_path / "dbt_project")
    edit_columns(
        project / "models" / "marts" / "orders.yml",
        {
            "order_date": ["not_null"],
            "is_food_order": [{"not_null": {"config": {"severity": "warn"}}}],
            "customer_order_number": [],
        },
    )
    (suite,) = [
        s
        for s in stage_suites_from_dbt("marts", marts.MARTS, manifest=load_manifest(project))
        if s.table == "orders"
    ]
    (before,) = [s for s in marts.suites() if s.table == "orders"]
    not_null = {
        e.configuration.kwargs["column"]: e.meta["severity"]
        for e in suite.expectations
        if e.expectation_type == "expect_column_values_to_not_be_null"
    }
    assert not_null["order_date"] == CRITICAL and not_null["is_food_order"] == WARNING
    assert "customer_order_number" not in not_null
    assert suite.columns - before.columns == {"order_date", "is_food_order"}
    assert before.columns - suite.columns == {"customer_order_number"}


def test_the_last_manifest_is_used_while_fresh_then_the_project_is_parsed(tmp_path, monkeypatch):
    project = copy_project(tmp_path / "dbt_project")
    target = project / "target"
    target.mkdir()
    (target / "manifest.json").write_text('{"nodes": {}, "fresh": true}')
    parsed = []
    monkeypatch.setattr(from_dbt, "parse_project", lambda path: parsed.append(path) or {"nodes": {}})
    assert load_manifest(project)["fresh"] is True and not parsed
    newer = (target / "manifest.json").stat().st_mtime + 10
    os.utime(project / "models" / "marts" / "orders.yml", (newer, newer))
    assert load_manifest(project) == {"nodes": {}} and parsed == [project]
