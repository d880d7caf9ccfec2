"""Daily web and store trends from the demo event logs, on Spark: clean, sessionise, aggregate, register.

Reads ``<logs>/date=YYYY-MM-DD/*.jsonl.gz`` (demo/event_logs.py) and writes two Parquet tables in the
metastore: ``log_trends.daily_trends`` (partitioned by event_date) and ``log_trends.daily_quality`` (lines read,
kept and rejected per day folder). The rules are those of the dbt models in dbt_project/models/logs/ and
docs/log_trends.md; a test proves both give the same rows.

    python -m spark_jobs.log_trends --logs data/logs/events --out data/spark
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from engines.spark_session import session_conf, start_session
from settings import event_logs_dir

log = logging.getLogger(__name__)

DATABASE = "log_trends"
SESSION_GAP_MS = 30 * 60 * 1000  # a longer gap between a visitor's events starts a new session
TOP_PATHS = 3
FIELDS = ("event_id", "event_time", "visitor_id", "store", "event_type", "path", "status")
REQUIRED = ("event_id", "event_time", "visitor_id", "store", "event_type", "path")
TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"
TIME_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
CORRUPT = "_corrupt_record"
REJECTIONS = ("malformed", "missing_field", "bad_timestamp", "duplicate")


def classified_lines(spark: SparkSession, logs: Path) -> DataFrame:
    """Every line of the logs with its fields and why it was rejected (null: kept)."""
    schema = StructType([StructField(name, StringType()) for name in (*FIELDS, CORRUPT)])
    lines = spark.read.option("pathGlobFilter", "*.jsonl.gz").text(str(Path(logs).resolve()))
    doc = F.from_json("value", schema, {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT})
    parsed = lines.select(F.col("date").cast("date").alias("log_date"), doc.alias("doc")).select(
        "log_date",
        (F.col("doc").isNull() | F.col(f"doc.{CORRUPT}").isNotNull()).alias("is_malformed"),
        *(F.col(f"doc.{name}").alias(name) for name in FIELDS[:-1]),
        F.expr("try_cast(doc.status as int)").alias("status"),
    )
    event_time = F.when(
        F.col("event_time").rlike(TIME_PATTERN), F.try_to_timestamp("event_time", F.lit(TIME_FORMAT))
    )
    missing = F.lit(False)
    for name in REQUIRED:
        missing = missing | F.col(name).isNull()
    checked = parsed.withColumn("event_ts", event_time).withColumn(
        "invalid_reason",
        F.when(F.col("is_malformed"), "malformed")
        .when(missing, "missing_field")
        .when(F.col("event_ts").isNull(), "bad_timestamp"),
    )
    order = [
        F.col(c).asc_nulls_last()
        for c in ("event_ts", "log_date", "visitor_id", "store", "event_type", "path", "status")
    ]
    copies = Window.partitionBy(F.col("invalid_reason").isNull(), "event_id").orderBy(*order)
    return checked.withColumn(
        "rejection",
        F.coalesce("invalid_reason", F.when(F.row_number().over(copies) > 1, "duplicate")),
    ).select(
        "log_date",
        "event_id",
        F.col("event_ts").alias("event_time"),
        "visitor_id",
        "store",
        "event_type",
        "path",
        "status",
        "rejection",
    )


def daily_quality(lines: DataFrame) -> DataFrame:
    """Per day folder: lines read, kept, and rejected by reason (read = kept + rejected)."""
    counts = [
        F.count(F.when(F.col("rejection") == reason, 1)).alias(f"rejected_{reason}") for reason in REJECTIONS
    ]
    return lines.groupBy("log_date").agg(
        F.count(F.lit(1)).alias("lines_read"),
        F.count(F.when(F.col("rejection").isNull(), 1)).alias("events_kept"),
        *counts,
    )


def daily_trends(lines: DataFrame) -> DataFrame:
    """Sessions, visitors, conversion, errors and top paths per store and UTC day of session start."""
    events = lines.where(F.col("rejection").isNull()).withColumn("event_ms", F.unix_millis("event_time"))
    by_visitor = Window.partitionBy("visitor_id").orderBy("event_time", "event_id")
    gap = F.col("event_ms") - F.lag("event_ms").over(by_visitor)
    starts_here = F.coalesce(gap > SESSION_GAP_MS, F.lit(True))
    numbered = events.withColumn("is_session_start", starts_here).withColumn(
        "session_number",
        F.sum(F.col("is_session_start").cast("int")).over(
            by_visitor.rowsBetween(Window.unboundedPreceding, 0)
        ),
    )
    starts = numbered.where("is_session_start").select(
        "visitor_id",
        "session_number",
        F.to_date("event_time").alias("event_date"),
        F.col("store").alias("store_name"),
    )
    session_events = numbered.select("visitor_id", "session_number", "event_type", "path").join(
        starts, ["visitor_id", "session_number"]
    )
    sessions = session_events.groupBy("event_date", "store_name", "visitor_id", "session_number").agg(
        F.count(F.lit(1)).alias("events"),
        F.max(F.when(F.col("event_type") == "order", 1).otherwise(0)).alias("converted"),
        F.count(F.when(F.col("event_type") == "error", 1)).alias("error_events"),
    )
    daily = sessions.groupBy("event_date", "store_name").agg(
        F.count(F.lit(1)).alias("sessions"),
        F.countDistinct("visitor_id").alias("visitors"),
        F.sum("converted").cast("bigint").alias("converted_sessions"),
        F.sum("events").cast("bigint").alias("events"),
        F.sum("error_events").cast("bigint").alias("error_events"),
    )
    return (
        daily.withColumn("conversion_rate", F.col("converted_sessions") / F.col("sessions"))
        .join(top_paths(session_events), ["event_date", "store_name"], "left")
        .select(
            "event_date",
            "store_name",
            "sessions",
            "visitors",
            "converted_sessions",
            "conversion_rate",
            "events",
            "error_events",
            "top_paths",
        )
    )


def top_paths(session_events: DataFrame) -> DataFrame:
    """The most viewed paths per store and day, most views first, ties by path, joined by '|'."""
    views = (
        session_events.where(F.col("event_type") == "page_view")
        .groupBy("event_date", "store_name", "path")
        .count()
    )
    rank = Window.partitionBy("event_date", "store_name").orderBy(F.col("count").desc(), F.col("path").asc())
    ranked = views.withColumn("path_rank", F.row_number().over(rank)).where(F.col("path_rank") <= TOP_PATHS)
    ordered = F.array_sort(F.collect_list(F.struct("path_rank", "path")))
    return ranked.groupBy("event_date", "store_name").agg(
        F.array_join(F.transform(ordered, lambda item: item["path"]), "|").alias("top_paths")
    )


def run(spark: SparkSession, logs: Path, out: Path) -> dict[str, int]:
    """Compute both tables from ``logs``, write them as Parquet under ``out``, register them; the line counts."""
    lines = classified_lines(spark, logs)
    spark.sql(f"create database if not exists {DATABASE}")
    quality = daily_quality(lines)
    quality.write.mode("overwrite").format("parquet").option(
        "path", str(Path(out).resolve() / "daily_quality")
    ).saveAsTable(f"{DATABASE}.daily_quality")
    daily_trends(lines).write.mode("overwrite").format("parquet").partitionBy("event_date").option(
        "path", str(Path(out).resolve() / "daily_trends")
    ).saveAsTable(f"{DATABASE}.daily_trends")
    totals = (
        spark.table(f"{DATABASE}.daily_quality")
        .agg(
            *(
                F.sum(c).alias(c)
                for c in ("lines_read", "events_kept", *(f"rejected_{r}" for r in REJECTIONS))
            )
        )
        .first()
    )
    counts = {name: int(value or 0) for name, value in totals.asDict().items()}
    if counts["lines_read"] != sum(v for k, v in counts.items() if k != "lines_read"):
        raise RuntimeError(f"lines read are not kept + rejected: {counts}")
    return counts


def local_session(folder: Path, cores: int = 2, driver_memory: str = "2g") -> SparkSession:
    """The job's own ``local[cores]`` session, with the project's settings, its metastore under ``folder``."""
    conf = session_conf(
        Path(folder).resolve(),
        master=f"local[{cores}]",
        app="log_trends",
        shuffle_partitions=max(4, 2 * cores),
        driver_memory=driver_memory,
    )
    return start_session(conf)


def main(argv: list[str] | None = None) -> int:
    """Run the job on a local Spark session and print the line balance."""
    parser = argparse.ArgumentParser(
        prog="python -m spark_jobs.log_trends",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    logs = event_logs_dir()
    parser.add_argument(
        "--logs", type=Path, default=logs, help="the logs' root folder (PROJECT__EVENT_LOGS_DIR)"
    )
    parser.add_argument(
        "--out", type=Path, default=logs.parent / "spark", help="tables and metastore go here"
    )
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--driver-memory", default="2g")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    started = time.perf_counter()
    spark = local_session(arguments.out, arguments.cores, arguments.driver_memory)
    session_ready = time.perf_counter()
    try:
        counts = run(spark, arguments.logs, arguments.out / "tables")
    finally:
        spark.stop()
    finished = time.perf_counter()
    rejected = {k: v for k, v in counts.items() if k.startswith("rejected_")}
    kept = counts["events_kept"]
    print(
        f"lines read {counts['lines_read']:,} = kept {kept:,} + rejected {sum(rejected.values()):,} {rejected}"
    )
    print(f"tables {DATABASE}.daily_trends and {DATABASE}.daily_quality under {arguments.out}")
    timings = {"session_seconds": session_ready - started, "job_seconds": finished - session_ready}
    print(json.dumps({**counts, **{k: round(v, 3) for k, v in timings.items()}}))  # last line: for the bench
    return 0


if __name__ == "__main__":
    sys.exit(main())
