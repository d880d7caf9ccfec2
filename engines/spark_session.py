"""The Spark target: one in-process PySpark session with an embedded Hive metastore, and the lake it reads.

Configuration, ``[spark]`` in the settings: ``master`` (default ``local[2]``); ``lake_url``, where
extract-load lands raw Parquet (an fsspec URL; default ``<data dir>/lake``); the metastore (Derby) and the
managed tables live under ``<data dir>/spark``. The UI is off and the driver binds to ``driver_host`` (default
127.0.0.1). dbt's session method calls
``SparkSession.builder.getOrCreate()`` with the same settings (from ``profiles.yml``), so whichever comes first,
the CLI or dbt, there is one session per process: an embedded Derby metastore admits one process at a time,
which is why dbt runs in-process on this target.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import settings
from settings import extras

from . import lake_storage


def master() -> str:
    """The Spark master URL (``[spark] master``)."""
    return settings.current().spark.master


def driver_host() -> str:
    """The address the driver binds and gives executors: ``[spark] driver_host``, default 127.0.0.1.

    Loopback suits ``local[N]`` and a cluster on this machine; on a real cluster, give an address of this
    machine that the executors can reach (docs/scale-out.md).
    """
    return settings.current().spark.driver_host


def spark_dir() -> Path:
    """The folder of the embedded metastore and the managed (staging, marts) tables."""
    return settings.data_dir() / "spark"


def lake_url() -> str:
    """Where raw data lands as Parquet: ``[spark] lake_url`` (local path, s3://, s3a://, hdfs://) or data/lake."""
    return settings.current().spark.lake_url


def spark_location(url: str) -> str:
    """A lake URL as Spark's Hadoop file systems name it: local paths as file:, s3:// as s3a://."""
    if "://" not in url:
        return Path(url).resolve().as_uri()
    if url.startswith("s3://"):
        return "s3a://" + url.removeprefix("s3://")
    return url


def session_conf(
    folder: Path, *, master: str, app: str, shuffle_partitions: int, driver_memory: str | None = None
) -> dict[str, str]:
    """The settings of every Spark session of the project: the pipeline's, dbt's and the log job's.

    UI off, driver on ``driver_host()``, UTC in Spark SQL and in the JVM, ANSI off as dbt-spark expects, an
    embedded Derby metastore at ``folder/metastore_db`` and managed tables under ``folder/warehouse``.
    """
    conf = {
        "spark.master": master,
        "spark.app.name": app,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",  # no progress bars in the pipeline's output
        "spark.driver.host": driver_host(),
        "spark.driver.bindAddress": driver_host(),
        "spark.sql.warehouse.dir": str(folder / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={folder / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Duser.timezone=UTC -Dderby.system.home={folder}",
        # Timestamps are naive UTC on every engine.
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        "spark.sql.ansi.enabled": "false",  # as dbt-spark sets it
    }
    if driver_memory:
        conf["spark.driver.memory"] = driver_memory  # read when the JVM starts: the first session decides
    return conf


def spark_conf() -> dict[str, str]:
    """The pipeline's session settings; the same names and values reach dbt's profile (``profile_environment``).

    Few shuffle partitions (``[spark] shuffle_partitions``, default 4) suit the small local data. On an
    S3 lake, S3A's settings from the lake's credentials and the jars of ``[spark] jars`` are added
    (``lake_storage``): the pipeline's session reads the lake, so dbt on an S3 lake runs through the CLI.
    """
    partitions = settings.current().spark.shuffle_partitions
    conf = session_conf(spark_dir(), master=master(), app="jaffle_warehouse", shuffle_partitions=partitions)
    conf |= lake_storage.s3a_conf(lake_url())
    jars = lake_storage.extra_jars()
    if jars:
        conf["spark.jars"] = jars
    return conf


def profile_environment() -> dict[str, str]:
    """The variables ``profiles.yml`` reads for the spark output."""
    conf = spark_conf()
    return {
        "JAFFLE_PROFILE_SPARK_MASTER": conf["spark.master"],
        "JAFFLE_PROFILE_SPARK_DRIVER_HOST": conf["spark.driver.host"],
        "JAFFLE_PROFILE_SPARK_WAREHOUSE_DIR": conf["spark.sql.warehouse.dir"],
        "JAFFLE_PROFILE_SPARK_METASTORE_URL": conf["spark.hadoop.javax.jdo.option.ConnectionURL"],
        "JAFFLE_PROFILE_SPARK_JAVA_OPTIONS": conf["spark.driver.extraJavaOptions"],
        "JAFFLE_PROFILE_SPARK_SHUFFLE_PARTITIONS": conf["spark.sql.shuffle.partitions"],
    }


def start_session(conf: dict[str, str]) -> Any:
    """The process's SparkSession with Hive support, created with ``conf`` unless one is running already."""
    extras.require("spark")
    from pyspark.sql import SparkSession

    folder = Path(conf["spark.sql.warehouse.dir"]).parent
    folder.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def session() -> Any:
    """The pipeline's SparkSession (``spark_conf()``), created on first use."""
    return start_session(spark_conf())


def quote(*parts: str) -> str:
    """A dotted identifier in Spark SQL's backticks; a backtick inside a name is doubled."""
    return ".".join("`" + part.replace("`", "``") + "`" for part in parts)


def fetch_all(sql: str) -> list[tuple]:
    """Rows of one Spark SQL statement as tuples."""
    return [tuple(row) for row in session().sql(sql).collect()]


def row_counts(database: str, tables: list[str]) -> dict[str, int]:
    """Rows per table of a metastore database, counted by Spark SQL."""
    return {table: int(fetch_all(f"select count(*) from {quote(database, table)}")[0][0]) for table in tables}


def schema_tables(database: str) -> list[str]:
    """Tables and views of a metastore database, in name order (none when the database does not exist).

    The session's temporary views (dbt-spark's ``__dbt_tmp`` of an incremental run) are listed with every
    database by Spark; they are left out.
    """
    spark = session()
    if not spark.catalog.databaseExists(database):
        return []
    return sorted(table.name for table in spark.catalog.listTables(database) if not table.isTemporary)
