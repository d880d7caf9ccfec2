"""The suites in code: names per source system, a severity on every expectation, marts from dbt and one dict."""

from __future__ import annotations

import pytest

from expectations.suites import CRITICAL, SEVERITIES, WARNING, marts, meta, raw, severity_of, stage_suites
from expectations.suites.from_dbt import load_manifest, stage_tests


@pytest.mark.parametrize("stage", ["raw", "staging", "marts"])
def test_every_expectation_has_a_severity_and_every_suite_checks_rows(stage):
    for suite in stage_suites(stage):
        assert suite.expectations, suite.name
        assert all(expectation.meta["severity"] in SEVERITIES for expectation in suite.expectations)
        assert suite.expectations[0].expectation_type == "expect_table_row_count_to_be_between"


def test_suite_names_follow_the_source_system():
    names = {suite.name for suite in raw.suites()}
    assert {
        "raw_jaffle_api__orders",
        "raw_jaffle_api__orders__items",
        "raw_jaffle_files__store_events",
    } <= names
    assert {suite.name for suite in marts.suites()} == {
        f"marts__{table}" for table in stage_tests(load_manifest(), "marts")
    }


def test_a_schema_map_moves_the_table_but_not_the_suite_name():
    (orders,) = [suite for suite in marts.suites({"marts": "audit_marts"}) if suite.table == "orders"]
    assert orders.name == "marts__orders" and orders.qualified_table == "audit_marts.orders"


def test_columns_come_from_dbt_tests_and_the_marts_dict_including_sql_checks():
    (orders,) = [suite for suite in marts.suites() if suite.table == "orders"]
    spec = marts.MARTS["orders"]
    dbt_columns = {test["column_name"] for test in stage_tests(load_manifest(), "marts")["orders"]}
    assert orders.columns == dbt_columns | set(spec["non_negative"])
    (revenue,) = [suite for suite in marts.suites() if suite.table == "store_daily_revenue"]
    assert {"location_id", "order_date", "revenue"} <= revenue.columns


def test_a_missing_or_unknown_severity_counts_as_critical():
    assert severity_of(None) == CRITICAL and severity_of({"severity": "info"}) == CRITICAL
    assert severity_of(meta(WARNING)) == WARNING
    with pytest.raises(ValueError):
        meta("info")


def test_an_unknown_stage_is_an_error():
    with pytest.raises(ValueError, match="no suites for stage"):
        stage_suites("gold")


def _raw_keys() -> dict[str, list[list[str]]]:
    """The uniqueness expectations of every raw suite, as column lists."""
    keys: dict[str, list[list[str]]] = {}
    for suite in raw.suites():
        for expectation in suite.expectations:
            if expectation.expectation_type == "expect_column_values_to_be_unique":
                keys.setdefault(suite.table, []).append([expectation.column])
            elif expectation.expectation_type == "expect_compound_columns_to_be_unique":
                keys.setdefault(suite.table, []).append(list(expectation.column_list))
    return keys


def test_raw_keys_are_unique_per_table_where_dlt_merges_and_per_load_on_the_append_only_lake(monkeypatch):
    monkeypatch.setenv("WAREHOUSE", "duckdb")
    merged = _raw_keys()
    assert merged["orders"] == [["id"]] and merged["supplies"] == [["id", "sku"]]
    monkeypatch.setenv("WAREHOUSE", "spark")
    lake = _raw_keys()
    assert set(lake) == set(merged)
    for table, keys in merged.items():
        extra = "_dlt_parent_id" if table == "orders__items" else "_dlt_load_id"
        assert lake[table] == [[*key, extra] for key in keys], table
