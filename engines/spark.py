"""Spark: raw data in a lake of Parquet files, declared in an embedded Hive metastore; dbt runs in-process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from . import spark_session
from .base import Capabilities, Engine
from .file_lock import file_lock, file_lock_holder, lock_file_path
from .spark_connection import SparkConnection

# What runs on the Spark target so far (docs/spark.md): docs and the rest speak DuckDB and Postgres only.
SPARK_COMMANDS = frozenset(
    ("generate", "el", "check", "transform", "dbt", "publish", "demo", "run", "reset", "status", "recover")
)


class SparkEngine(Engine):
    """One in-process SparkSession (its embedded metastore admits one process at a time)."""

    name = "spark"
    # dlt's filesystem destination appends (plain Parquet has no merge); dbt shares the session.
    capabilities = Capabilities(
        merges_by_key=False, dbt_in_process=True, commands=SPARK_COMMANDS, extra="spark"
    )

    @contextmanager
    def connect(self, read_only: bool = False, role: str = "transformer") -> Iterator[SparkConnection]:
        """The process's session as a connection (Spark has no roles and no read-only sessions)."""
        yield SparkConnection(spark_session.session())

    def row_hash(self, columns: list[str]) -> str:
        """Spark's 64-bit xxHash of the values, as a decimal wide enough for their sum."""
        return f"cast(xxhash64({', '.join(columns)}) as decimal(38, 0))"

    def quote(self, *parts: str) -> str:
        """Spark SQL's backticks."""
        return spark_session.quote(*parts)

    def schema_tables(self, connection: Any, schema: str) -> list[str]:
        """Tables and views of a metastore database."""
        return spark_session.schema_tables(schema)

    def table_columns(self, connection: Any, schema: str, table: str) -> list[str]:
        """The columns of a metastore table."""
        return list(connection.session.table(self.quote(schema, table)).columns)

    def holds_data(self) -> bool:
        """Whether a metastore exists (the session starts, about 20 s, only when it does)."""
        return spark_session.spark_dir().exists()

    def lock(self, command: str) -> AbstractContextManager[None]:
        """An exclusive flock on the lock file in the data folder."""
        return file_lock(lock_file_path(), command, self.name)

    def lock_holder(self) -> dict[str, Any] | None:
        """The run holding the lock file."""
        return file_lock_holder(lock_file_path())

    def publish(self, run_id: str, inputs: str) -> tuple[str, dict[str, int]]:
        """A new immutable version of the marts, and the published views switched to it."""
        from .spark_publish import publish_spark

        return publish_spark(run_id, inputs)

    def reset(self, schemas: list[str], datasets: list[str]) -> None:
        """Drop the metastore databases (managed tables with them) and the raw datasets' folders in the lake.

        Dropping a database drops the declarations of its external tables only: the lake's raw folders (dlt's
        files, its load records included) are removed by URL, so the next extract-load starts afresh there too.
        """
        from .spark_lake import remove_dataset
        from .spark_publish import VERSIONS_DATABASE

        session = spark_session.session()
        for database in (*schemas, VERSIONS_DATABASE):
            session.sql(f"drop database if exists {self.quote(database)} cascade")
        for dataset in datasets:
            remove_dataset(dataset)

    def validation_target(self, targets: Any) -> Any:
        """GX's Spark engine in this process's session."""
        return targets.spark()

    def dlt_destination(self) -> Any:
        """dlt's filesystem destination on the lake."""
        from .spark_lake import lake_destination

        return lake_destination()

    def destination_identity(self) -> str:
        """The lake's URL, where dlt keeps the raw files, its load records and its state."""
        return spark_session.lake_url()

    def register_dataset(self, dataset: str) -> list[str]:
        """Declare the dataset's landed tables in the metastore (dlt writes files only)."""
        from .spark_lake import register_dataset

        return register_dataset(dataset)

    def dbt_environment(self) -> dict[str, str]:
        """The session's settings as the variables of the spark output of ``profiles.yml``."""
        return spark_session.profile_environment()

    def before_dbt(self) -> None:
        """Create the session with the project's settings before dbt's ``getOrCreate`` would."""
        spark_session.session()

    def describe(self) -> list[str]:
        """Master, metastore folder and lake."""
        return [
            f"Warehouse: spark {spark_session.master()}, metastore and tables in {spark_session.spark_dir()}",
            f"Lake: {spark_session.lake_url()}",
        ]

    @contextmanager
    def published_reader(self) -> Iterator[SparkConnection]:
        """The process's session, reading the published views."""
        with self.connect(read_only=True, role="reader") as connection:
            yield connection
