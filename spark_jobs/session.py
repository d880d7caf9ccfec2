"""A local Spark session with a Derby metastore of its own: one per process, UTC throughout."""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import SparkSession


def local_session(
    warehouse: Path, cores: int = 2, driver_memory: str = "2g", app: str = "jaffle"
) -> SparkSession:
    """A ``local[cores]`` session on loopback, its tables under ``warehouse`` (metastore there too), UTC."""
    warehouse = Path(warehouse).resolve()
    warehouse.mkdir(parents=True, exist_ok=True)
    metastore = f"jdbc:derby:;databaseName={warehouse / 'metastore_db'};create=true"
    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.hadoop.javax.jdo.option.ConnectionURL", metastore)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", f"-Duser.timezone=UTC -Dderby.system.home={warehouse}")
        .config("spark.sql.shuffle.partitions", str(max(4, 2 * cores)))
        .enableHiveSupport()
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark
