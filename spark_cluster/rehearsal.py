"""``python -m spark_cluster.rehearsal job|catalog-write|catalog-read``: one Spark driver process, one JSON line.

The same commands smoke-test a real cluster: ``job --master spark://host:7077`` (or ``yarn``,
``k8s://https://...``) runs a groupBy over generated rows; ``catalog-write`` and ``catalog-read``, run as two
processes against one metastore, show that the catalog is shared (docs/scale-out.md).
"""

from __future__ import annotations

import argparse
import json

from engines.spark_session import driver_host

from .metastore import metastore_conf

ROWS = 10_000
GROUPS = 7
DATABASE, TABLE = "rehearsal", "numbers"


def build_session(master: str, app_name: str, conf: dict[str, str] | None = None):
    """A SparkSession on ``master``; the driver binds ``SPARK__DRIVER_HOST`` (default 127.0.0.1)."""
    from pyspark.sql import SparkSession

    host = driver_host()
    builder = SparkSession.builder.master(master).appName(app_name)
    settings = {
        "spark.driver.host": host,
        "spark.driver.bindAddress": host,
        "spark.ui.enabled": "false",
        "spark.executor.memory": "512m",
        "spark.cores.max": "1",
        "spark.sql.shuffle.partitions": "2",
    }
    for key, value in (settings | (conf or {})).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def run_job(master: str) -> dict:
    """Count and sum generated ids per ``id % GROUPS``: the result is known in advance."""
    from pyspark.sql import functions as F

    spark = build_session(master, "rehearsal-job")
    try:
        rows = (
            spark.range(ROWS)
            .groupBy((F.col("id") % GROUPS).alias("group"))
            .agg(F.count("*").alias("rows"), F.sum("id").alias("total"))
            .orderBy("group")
            .collect()
        )
        return {
            "master": spark.sparkContext.master,
            "executors": spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size() - 1,
            "groups": [[row["group"], row["rows"], row["total"]] for row in rows],
        }
    finally:
        spark.stop()


def expected_groups() -> list[list[int]]:
    """What ``run_job`` must return, computed in Python."""
    return [[g, len(range(g, ROWS, GROUPS)), sum(range(g, ROWS, GROUPS))] for g in range(GROUPS)]


def catalog_write(master: str, jdbc_url: str, user: str, warehouse_dir: str) -> dict:
    """Create the rehearsal database and a Parquet table of ROWS rows in the shared catalog."""
    spark = build_session(master, "rehearsal-catalog-write", metastore_conf(jdbc_url, user, warehouse_dir))
    try:
        spark.sql(f"create database if not exists {DATABASE}")
        frame = spark.range(ROWS).selectExpr("id", f"cast(id % {GROUPS} as int) as grp")
        frame.write.format("parquet").mode("overwrite").saveAsTable(f"{DATABASE}.{TABLE}")
        return _describe(spark)
    finally:
        spark.stop()


def catalog_read(master: str, jdbc_url: str, user: str, warehouse_dir: str) -> dict:
    """What the shared catalog holds for the rehearsal database, seen from this process."""
    spark = build_session(master, "rehearsal-catalog-read", metastore_conf(jdbc_url, user, warehouse_dir))
    try:
        return _describe(spark)
    finally:
        spark.stop()


def _describe(spark) -> dict:
    """Tables of the rehearsal database, the table's row count and sum, its location and format."""
    tables = sorted(row.tableName for row in spark.sql(f"show tables in {DATABASE}").collect())
    rows, total = spark.sql(f"select count(*), sum(id) from {DATABASE}.{TABLE}").first()
    table = spark.catalog.getTable(f"{DATABASE}.{TABLE}")
    details = {
        row.col_name: row.data_type
        for row in spark.sql(f"describe table extended {DATABASE}.{TABLE}").collect()
    }
    return {
        "catalog": spark.conf.get("spark.sql.catalogImplementation"),
        "tables": tables,
        "rows": rows,
        "total": total,
        "table_type": table.tableType,
        "provider": details.get("Provider"),
        "location": details.get("Location"),
    }


def main() -> None:
    """Parse the step and its options, run it, print its result as one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m spark_cluster.rehearsal", description=__doc__)
    parser.add_argument("step", choices=["job", "catalog-write", "catalog-read"])
    parser.add_argument("--master", default="local[1]")
    parser.add_argument("--jdbc-url", help="the metastore database, jdbc:postgresql://host:port/db")
    parser.add_argument("--user", default="postgres", help="the metastore's database user (password: env)")
    parser.add_argument("--warehouse-dir", help="where managed tables go: file:///..., s3a://..., hdfs://...")
    arguments = parser.parse_args()
    if arguments.step == "job":
        result = run_job(arguments.master)
    else:
        if not (arguments.jdbc_url and arguments.warehouse_dir):
            parser.error(f"{arguments.step} needs --jdbc-url and --warehouse-dir")
        step = catalog_write if arguments.step == "catalog-write" else catalog_read
        result = step(arguments.master, arguments.jdbc_url, arguments.user, arguments.warehouse_dir)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
