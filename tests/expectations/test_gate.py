"""The gate on real tables, on DuckDB and on Postgres: good data passes with observed values, and every
expectation type used by the suites fails on a crafted bad row, with the observed values in the result."""

from __future__ import annotations

import json

import pytest

from expectations.suites import marts, raw, staging

BAD_RAW = {"raw_jaffle_api": "bad_api", "raw_jaffle_files": "bad_files", "raw_jaffle_oltp": "bad_oltp"}

pytestmark = pytest.mark.slow  # every gate on both engines over loaded data: not in make test-fast


def expectation_types_in_suites() -> set[str]:
    """Every expectation type the raw, staging and marts suites declare."""
    suites = raw.suites() + staging.suites() + marts.suites()
    return {expectation.expectation_type for suite in suites for expectation in suite.expectations}


def test_good_raw_data_passes_with_observed_values(gate):
    result = gate("raw")
    assert result.passed, result.summary()
    assert result.evaluated > 0 and not result.errors
    assert {suite.name for suite in result.suites} >= {"raw_jaffle_api__orders", "raw_jaffle_files__tweets"}
    for suite in result.suites:
        assert suite.row_count and suite.row_count > 0
        assert suite.evaluated == len(suite.observations) > 0
        assert all(observation["observed"] for observation in suite.observations), suite.observations
    orders = next(suite for suite in result.suites if suite.name == "raw_jaffle_api__orders")
    observed = {o["expectation"]: o["observed"] for o in orders.observations}
    assert observed["expect_table_row_count_to_be_between(min_value=1, max_value=1000000000)"] == {
        "observed_value": 3
    }
    assert observed["unexpected_rows_expectation [order_total = subtotal + tax_paid]"] == {
        "observed_value": 0
    }


def test_good_marts_pass_with_observed_values(gate):
    result = gate("marts")
    assert result.passed, result.summary()
    assert {suite.name for suite in result.suites} == {suite.name for suite in marts.suites()}
    assert result.failed_critical == 0 and result.failed_warning == 0
    for suite in result.suites:
        assert suite.evaluated > 0 and all(observation["observed"] for observation in suite.observations)


def test_good_staging_views_pass(gate):
    result = gate("staging")
    assert result.passed, result.summary()
    assert result.evaluated > 0 and {suite.name for suite in result.suites} >= {
        "staging__stg_jaffle_api__orders"
    }


def test_every_expectation_type_fails_on_a_bad_row(gate):
    results = [
        gate("raw", BAD_RAW),
        gate("marts", {"marts": "bad_marts"}),
        gate("raw", {"raw_jaffle_api": "empty_api"}),  # the row count fails on an empty table
        gate("marts", {"marts": "warn_marts"}),  # the mean and stdev (warnings) fail on inflated totals
        gate("staging", {"staging": "bad_staging"}),
    ]
    failures = [failure for result in results for suite in result.suites for failure in suite.failures]
    failed_types = {failure.expectation for failure in failures if failure.error is None}
    assert expectation_types_in_suites() <= failed_types
    for failure in failures:
        if failure.error is None:
            assert failure.observed, failure


def test_bad_rows_block_with_observed_values(gate):
    result = gate("raw", BAD_RAW)
    assert not result.passed
    failures = {
        (suite.name, failure.expectation): failure for suite in result.suites for failure in suite.failures
    }
    unique_ids = failures[("raw_jaffle_api__customers", "expect_column_values_to_be_unique")]
    assert (
        unique_ids.observed["unexpected_count"] == 2
        and "c1" in unique_ids.observed["partial_unexpected_list"]
    )
    assert failures[("raw_jaffle_api__orders", "unexpected_rows_expectation")].observed == {
        "observed_value": 1
    }
    assert failures[("raw_jaffle_api__products", "expect_column_values_to_be_in_set")].observed[
        "partial_unexpected_list"
    ] == ["pizza"]
    assert failures[("raw_jaffle_files__supplier_prices", "expect_column_values_to_be_in_type_list")].observed
    assert failures[("raw_jaffle_oltp__employees", "expect_column_values_to_be_unique")].observed
    on_hand = failures[("raw_jaffle_oltp__inventory_levels", "expect_column_values_to_be_between")]
    assert on_hand.observed["partial_unexpected_list"] == [-3]
    assert result.failed_critical >= 8


def test_checks_declared_only_in_dbt_yaml_block_bad_staging_rows(gate):
    result = gate("staging", {"staging": "bad_staging"})
    assert not result.passed
    failures = {(suite.name, failure.expectation) for suite in result.suites for failure in suite.failures}
    assert failures == {
        ("staging__stg_jaffle_files__loyalty_events", "expect_column_values_to_be_unique"),
        ("staging__stg_jaffle_files__loyalty_events", "expect_column_values_to_be_in_set"),
        ("staging__stg_jaffle_oltp__shifts", "expect_column_values_to_not_be_null"),
    }
    # Known difference: GX's compound unique joins on the key columns, so a row with a null in its key is never
    # a duplicate; dbt's unique_combination_of_columns groups nulls together and does catch this one.
    row_loads = next(suite for suite in result.suites if suite.name == "staging__stg_jaffle_api__row_loads")
    assert row_loads.passed and row_loads.row_count == 4


def test_the_marts_sum_check_tolerates_float_rounding_only(gate):
    assert gate("marts", {"marts": "rounding_marts"}).passed
    broken = gate("marts", {"marts": "bad_marts"})
    orders = next(suite for suite in broken.suites if suite.name == "marts__orders")
    assert [failure.expectation for failure in orders.failures] == ["unexpected_rows_expectation"]


def test_an_empty_table_blocks(gate):
    result = gate("raw", {"raw_jaffle_api": "empty_api"})
    assert not result.passed
    orders = next(suite for suite in result.suites if suite.name == "raw_jaffle_api__orders")
    assert orders.row_count == 0 and not orders.passed
    assert "table is empty" in orders.reasons()
    row_count = next(f for f in orders.failures if f.expectation == "expect_table_row_count_to_be_between")
    assert row_count.observed == {"observed_value": 0}


def test_a_missing_table_blocks(gate):
    result = gate("raw", {"raw_jaffle_api": "missing_api"})
    assert not result.passed
    stores = next(suite for suite in result.suites if suite.name == "raw_jaffle_api__stores")
    assert stores.reasons() == ["table missing_api.stores is missing"]
    assert "table missing_api.stores is missing" in result.summary()


def test_a_missing_column_blocks(gate):
    result = gate("raw", {"raw_jaffle_api": "nocol_api"})
    assert not result.passed
    orders = next(suite for suite in result.suites if suite.name == "raw_jaffle_api__orders")
    assert orders.reasons() == ["missing columns: tax_paid"]


def test_a_variant_column_from_a_type_clash_blocks(gate):
    result = gate("raw", {"raw_jaffle_files": "variant_files"})
    assert not result.passed
    prices = next(suite for suite in result.suites if suite.name == "raw_jaffle_files__supplier_prices")
    assert prices.reasons() == [
        "variant columns from a type clash in the source: cost_cents__v_text (fix the source or its column hints,"
        " then reload)"
    ]


def test_a_warning_only_failure_is_reported_but_does_not_block(gate):
    result = gate("marts", {"marts": "warn_marts"})
    assert result.passed, result.summary()
    assert result.failed_warning == 2 and result.failed_critical == 0
    summary = result.summary()
    assert "warn marts__orders" in summary
    assert "warning: expect_column_mean_to_be_between(column=order_total" in summary
    assert "warning: expect_column_stdev_to_be_between(column=order_total" in summary
    assert "observed observed_value=" in summary


def test_the_summary_names_the_failing_expectation_table_and_observed_value(gate):
    summary = gate("marts", {"marts": "bad_marts"}).summary()
    assert summary.startswith("marts gate FAILED")
    assert "FAIL marts__orders (bad_marts.orders, 3 rows" in summary
    assert (
        "critical: unexpected_rows_expectation [order_total = subtotal + tax_paid]: observed observed_value=1"
        in (summary)
    )
    assert "expect_compound_columns_to_be_unique(column_list=['location_id', 'order_date'])" in summary
    assert len(summary.splitlines()) < 40


def test_to_dict_is_json_serialisable_with_the_run_summary_keys(gate):
    record = gate("raw", BAD_RAW).to_dict()
    assert json.loads(json.dumps(record)) == record
    assert record["passed"] is False and record["evaluated"] > 0
    assert record["failed_critical"] >= 8 and record["failed_warning"] == 0
    orders = next(suite for suite in record["suites"] if suite["name"] == "raw_jaffle_api__orders")
    assert orders["passed"] is False and orders["failures"][0]["severity"] == "critical"
