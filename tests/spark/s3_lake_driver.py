"""A Spark driver process for the S3 lake test: the dbt tests' raw fixture landed by dlt in an ``s3://`` lake,
declared in the metastore, then ``dbt build`` on Spark reading it through S3A.

Configured entirely by the environment the test sets (WAREHOUSE=spark, SPARK__LAKE_URL, dlt's filesystem
credentials, SPARK__JARS, PROJECT__DATA_DIR, DBT_TARGET_PATH). Prints one JSON line: every raw table's
location, the data and unit tests that passed, and the orders mart.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS), str(TESTS / "dbt")]

from raw_fixture import land_fixture_sources, run_dbt_checked  # noqa: E402

import settings  # noqa: E402
from engines import spark_session as spark  # noqa: E402
from engines.spark_lake import register_dataset  # noqa: E402


def table_location(database: str, table: str) -> str:
    """Where the metastore says a table's files are."""
    rows = spark.session().sql(f"describe table extended {spark.quote(database, table)}").collect()
    return next(row["data_type"] for row in rows if row["col_name"] == "Location")


def main() -> None:
    work = Path(os.environ["PROJECT__DATA_DIR"])
    land_fixture_sources("s3_lake", work / "pipelines")
    locations = {}
    for dataset in settings.raw_datasets():
        for table in register_dataset(dataset):
            locations[f"{dataset}.{table}"] = table_location(dataset, table)
    run_dbt_checked("build")
    results = json.loads((Path(os.environ["DBT_TARGET_PATH"]) / "run_results.json").read_text())["results"]
    tests_passed = sum(r["unique_id"].startswith(("test.", "unit_test.")) for r in results)
    orders = spark.session().sql(
        f"select order_id, cast(order_total as string) as order_total, count_order_items,"
        f" customer_order_number from {spark.quote(settings.MARTS_SCHEMA, 'orders')}"
    )
    print(
        json.dumps(
            {
                "locations": locations,
                "tests_passed": tests_passed,
                "orders": {row["order_id"]: row.asDict() for row in orders.collect()},
            }
        )
    )
    spark.session().stop()


if __name__ == "__main__":
    main()
