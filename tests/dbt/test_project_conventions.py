"""The dbt project's own conventions, checked on its parsed manifest (no warehouse needed).

Every model and column is described, every model has a primary-key test, only staging reads sources, marts
never do, and no model joins more than the threshold.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from warehouse.settings import DBT_PROJECT_DIR

MAX_JOINS = 7
KEY_TESTS = {"unique", "unique_combination_of_columns"}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """``dbt parse`` into a private target folder, then its manifest."""
    target = tmp_path_factory.mktemp("dbt_parse")
    dbt = str(Path(sys.executable).with_name("dbt"))
    command = [dbt, "parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    environment = {
        **os.environ,
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


def test_only_staging_reads_sources(manifest: dict):
    offenders = [
        name
        for name, node in models(manifest).items()
        if any(parent.startswith("source.") for parent in node["depends_on"]["nodes"])
        and not node["fqn"][1:2] == ["staging"]
    ]
    assert not offenders, f"models outside staging that read sources directly: {offenders}"


def test_no_model_exceeds_the_join_threshold(manifest: dict):
    joins = {
        name: len(re.findall(r"\bjoin\b", node["raw_code"], re.IGNORECASE))
        for name, node in models(manifest).items()
    }
    assert max(joins.values()) <= MAX_JOINS, {
        name: count for name, count in joins.items() if count > MAX_JOINS
    }


def test_the_checks_can_fail(manifest: dict):
    """The conventions above are not vacuous: the project has models, column docs and key tests to check."""
    found = models(manifest)
    assert len(found) >= 15 and sum(len(node["columns"]) for node in found.values()) >= 80
