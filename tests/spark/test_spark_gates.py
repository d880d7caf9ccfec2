"""The quality gates on Spark: the same suites, run by GX's Spark engine on the metastore's tables.

The hand-made raw fixture of the dbt tests (tests/dbt/raw_fixture.py) is landed in a lake of this module's own
with dlt's filesystem destination, registered in the metastore, and ``dbt run`` builds staging and the marts,
as in test_three_engines_agree.py. Then: every suite of the raw, staging and marts gates passes with every
expectation evaluated; bad rows in copies of raw and mart tables fail the expectations they break, named; a
missing and an empty table fail closed; ``jaffle check`` stores its results in the Spark table
``pipeline_runs.check_results``, from which the row-count drift check reads its baseline.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from raw_fixture import land_fixture_sources, run_dbt_checked

import settings
from engines import spark_session as spark
from expectations import history
from expectations.gate import run_gate, run_suites
from expectations.spark_target import GX_TEMP_VIEW, spark_query
from expectations.suites import TableSuite, marts, raw, stage_suites, unexpected_rows
from warehouse.cli import build_parser, run_command

pytestmark = pytest.mark.slow

SUM_RULE = "unexpected_rows_expectation [order_total = subtotal + tax_paid]"


@pytest.fixture(scope="module")
def landed(
    spark_session: Any, spark_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """The raw fixture in this module's lake, registered, and the models built by ``dbt run`` on Spark."""
    from engines.spark_lake import register_dataset
    from warehouse.reset import reset_warehouse

    folder = tmp_path_factory.mktemp("spark_gates")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE", "spark")
        patch.setenv("PROJECT__DATA_DIR", str(spark_data_dir))  # the session's metastore lives there
        patch.setenv("SPARK__LAKE_URL", str(folder / "lake"))  # a lake of its own: other modules land too
        patch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
        patch.setenv("GX_ANALYTICS_ENABLED", "false")
        patch.setenv("DBT_TARGET_PATH", str(folder / "target"))
        patch.setenv("DBT_LOG_PATH", str(folder / "logs"))
        reset_warehouse()  # the process's metastore may hold another Spark test's tables (dbt would increment them)
        land_fixture_sources("spark_gates", folder / "pipelines")
        for dataset in settings.raw_datasets():
            register_dataset(dataset)
        run_dbt_checked("run")
        yield spark_session


def copy_table(target: str, frame: Any) -> None:
    """Write ``frame`` as the table ``target`` (database created when missing), replacing it."""
    database, _ = target.split(".")
    spark.session().sql(f"create database if not exists {spark.quote(database)}")
    frame.write.mode("overwrite").format("parquet").saveAsTable(spark.quote(*target.split(".")))


def table(name: str) -> Any:
    """A metastore table as a dataframe."""
    return spark.session().table(spark.quote(*name.split(".")))


def suites_of(stage_suites: list[TableSuite], *tables: str) -> list[TableSuite]:
    """The suites of the given tables, in that order."""
    by_table = {suite.table: suite for suite in stage_suites}
    return [by_table[name] for name in tables]


def failures_by_suite(result: Any) -> dict[str, set[str]]:
    """``suite -> described failures`` of a gate result."""
    return {suite.name: {failure.describe() for failure in suite.failures} for suite in result.suites}


def test_unexpected_rows_queries_are_translated_to_spark_sql() -> None:
    query = 'SELECT * FROM {batch} WHERE ABS("order_total" - ("subtotal" + "tax_paid")) > 0.005'
    assert (
        spark_query(query)
        == "SELECT * FROM {batch} WHERE ABS(`order_total` - (`subtotal` + `tax_paid`)) > 0.005"
    )


@pytest.mark.parametrize("stage", ["raw", "staging", "marts"])
def test_the_gates_pass_on_spark_with_every_expectation_evaluated(landed: Any, stage: str) -> None:
    result = run_gate(stage)
    assert result.passed, result.summary()
    assert result.warehouse == "spark" and result.target.startswith("spark local")
    declared = {suite.name: len(suite.expectations) for suite in stage_suites(stage)}
    assert [suite.name for suite in result.suites] == list(declared)
    for suite in result.suites:
        assert suite.row_count and suite.evaluated == declared[suite.name] == len(suite.observations) > 0
        assert all(observation["observed"] for observation in suite.observations), suite.observations
    if stage == "raw":
        orders = next(suite for suite in result.suites if suite.name == "raw_jaffle_api__orders")
        observed = {o["expectation"]: o["observed"] for o in orders.observations}
        assert observed[SUM_RULE] == {"observed_value": 0}
        assert observed["expect_table_row_count_to_be_between(min_value=1, max_value=1000000000)"] == {
            "observed_value": 4
        }
    temporary = [t.name for t in landed.catalog.listTables("default") if t.isTemporary]
    assert GX_TEMP_VIEW not in temporary, "GX left its temporary view"


def test_bad_raw_rows_fail_the_expectations_they_break(landed: Any) -> None:
    from pyspark.sql import functions as F

    orders = table("raw_jaffle_api.orders")
    broken = orders.limit(1).withColumn("id", F.lit(None).cast("string"))
    broken = broken.withColumn("order_total", F.lit(-1).cast(orders.schema["order_total"].dataType))
    copy_table("bad_api.orders", orders.unionByName(broken).unionByName(orders.limit(1)))
    products = table("raw_jaffle_api.products")
    pizza = products.limit(1).withColumn("type", F.lit("pizza")).withColumn("sku", F.lit("PIZ-001"))
    copy_table(
        "bad_api.products", products.unionByName(pizza).withColumn("price", F.col("price").cast("double"))
    )
    supplies = table("raw_jaffle_api.supplies")
    copy_table("bad_api.supplies", supplies.unionByName(supplies.limit(1)))

    checked = suites_of(raw.suites({"raw_jaffle_api": "bad_api"}), "orders", "products", "supplies")
    result = run_suites("raw", checked)
    assert not result.passed
    failed = failures_by_suite(result)
    assert {
        "expect_column_values_to_not_be_null(column=id)",
        # on the append-only lake a raw key is unique within each load (expectations/suites/raw.py, key)
        "expect_compound_columns_to_be_unique(column_list=['id', '_dlt_load_id'])",
        "expect_column_values_to_be_between(column=order_total, min_value=0.0)",
        SUM_RULE,
    } <= failed["raw_jaffle_api__orders"], result.summary()
    assert {f.split("(")[0] for f in failed["raw_jaffle_api__products"]} >= {
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_be_in_type_list",
    }, result.summary()
    assert failed["raw_jaffle_api__supplies"] == {
        "expect_compound_columns_to_be_unique(column_list=['id', 'sku', '_dlt_load_id'])"
    }
    sums = next(f for s in result.suites for f in s.failures if f.describe() == SUM_RULE)
    assert sums.observed == {"observed_value": 1} and sums.error is None and sums.blocking
    assert f"critical: {SUM_RULE}: observed observed_value=1" in result.summary()


def test_a_negative_amount_and_a_null_key_in_a_mart_fail_the_marts_gate(landed: Any) -> None:
    from pyspark.sql import functions as F

    orders = table("marts.orders")
    bad = orders.limit(1).withColumn("order_id", F.lit(None).cast("string"))
    bad = bad.withColumn("order_total", F.lit(-5).cast(orders.schema["order_total"].dataType))
    copy_table("bad_marts.orders", orders.unionByName(bad))
    result = run_suites("marts", suites_of(marts.suites({"marts": "bad_marts"}), "orders"))
    assert not result.passed and result.summary().startswith("marts gate FAILED")
    (suite,) = result.suites
    described = {failure.describe(): failure for failure in suite.failures}
    assert "expect_column_values_to_not_be_null(column=order_id)" in described, result.summary()
    negative = described["expect_column_values_to_be_between(column=order_total, min_value=0.0)"]
    assert negative.severity == "critical" and negative.observed["partial_unexpected_list"] == [-5]
    assert "FAIL marts__orders (bad_marts.orders" in result.summary()


def test_a_missing_and_an_empty_table_fail_closed(landed: Any) -> None:
    copy_table("empty_api.orders", table("raw_jaffle_api.orders").limit(0))
    in_empty = suites_of(raw.suites({"raw_jaffle_api": "empty_api"}), "orders", "stores")
    nowhere = suites_of(raw.suites({"raw_jaffle_api": "no_such_database"}), "customers")
    result = run_suites("raw", in_empty + nowhere)
    assert not result.passed
    empty, missing, no_database = result.suites
    assert empty.row_count == 0 and "table is empty" in empty.reasons() and not empty.passed
    row_count = next(f for f in empty.failures if f.expectation == "expect_table_row_count_to_be_between")
    assert row_count.observed == {"observed_value": 0}
    assert missing.reasons() == ["table empty_api.stores is missing"]
    assert no_database.reasons() == ["table no_such_database.customers is missing"]
    assert "table empty_api.stores is missing" in result.summary()


def test_a_query_that_does_not_translate_to_spark_sql_blocks(landed: Any) -> None:
    check = unexpected_rows(
        "select * from raw_jaffle_api.orders where order_total < 0", "no batch", "warning"
    )
    suite = suites_of(raw.suites(), "orders")[0]
    result = run_suites(
        "raw", [TableSuite(suite.name, suite.schema, suite.table, [*suite.expectations, *check])]
    )
    assert not result.passed
    (problem,) = result.suites[0].reasons()
    assert problem.startswith("unexpected_rows_expectation [no batch] cannot run on Spark:"), problem


def stored(run_id: str) -> list[dict[str, Any]]:
    """The rows ``pipeline_runs.check_results`` holds for one run."""
    from pyspark.sql import functions as F

    frame = table(f"{history.HISTORY_DATASET}.{history.CHECK_RESULTS}")
    assert frame.columns == list(history.COLUMNS)
    return [row.asDict() for row in frame.where(F.col("run_id") == F.lit(run_id)).collect()]


def test_check_stores_results_in_spark_and_drift_reads_them(landed: Any) -> None:
    arguments = build_parser().parse_args(["check", "--stage", "marts"])
    first = run_command(arguments)
    second = run_command(arguments)
    rows = stored(second.run_id)
    assert len(rows) == second.steps[-1].detail["stored_rows"] == second.steps[-1].detail["evaluated"] > 0
    assert {(row["kind"], row["gate_verdict"]) for row in rows} == {("expectation", "passed")}
    notes = {suite["name"]: suite["notes"] for suite in second.steps[-1].detail["suites"]}
    assert f"(run {first.run_id})" in notes["marts__orders"][0], notes

    # A table that lost half its rows since the last passing run blocks.
    orders = table("marts.orders")
    copy_table("drift_marts.orders", orders)
    (suite,) = suites_of(marts.suites({"marts": "drift_marts"}), "orders")
    before = run_suites("marts", [suite])
    assert before.passed, before.summary()
    history.record_gate("spark-drift-before", before)
    copy_table("drift_marts.orders", orders.limit(orders.count() // 2))
    after = run_suites("marts", [suite])
    assert not after.passed
    assert any(problem.startswith("row count fell from 4 to 2") for problem in after.suites[0].problems), (
        after.summary()
    )
