"""The gate on Spark: prechecks by the catalog and Spark SQL, suites on GX's Spark engine, history a table.

Everything runs in the process's one SparkSession (``engines.spark_session.session()``, shared with dbt: the
embedded metastore admits one process). Each suite's table is handed to GX as ``spark.table(<db>.<table>)``
(a lazy dataframe: GX's metrics are Spark jobs, nothing is collected into Python) in a dataframe asset of a
Spark datasource made for the gate run. ``persist`` is off: GX would otherwise cache every table in memory
for the rest of the process.

The suites are the same on every engine. The one difference Spark cannot absorb by itself is SQL text:
``unexpected_rows_expectation`` queries are written in Postgres' dialect (DuckDB reads it too), where
``"name"`` is a column, while Spark SQL reads it as a string literal and such a check would pass on any data.
Each query is therefore translated to Spark SQL by sqlglot before it runs; a query sqlglot cannot translate
blocks the suite with a problem saying so (``UnsupportedExpectation``), never runs as written.

Gate results are appended to the Spark table ``pipeline_runs.check_results`` (Parquet, managed by the
metastore, the same columns as on the other engines), where the row-count drift check reads its baseline.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlglot
from sqlglot.errors import ErrorLevel, SqlglotError

from engines import spark_session as spark

from .history import CHECK_RESULTS, HISTORY_DATASET
from .row_count_drift import ROW_COUNT_EXPECTATION
from .runner import UnsupportedExpectation, gx_context
from .suites import TableSuite

logger = logging.getLogger(__name__)

BATCH = "{batch}"  # where GX puts the batch's table in an unexpected-rows query
_BATCH_STANDIN = "gx_batch_standin"
GX_TEMP_VIEW = "tmp_view"  # the temporary view GX's Spark engine registers for those queries
QUERY_DIALECT = "postgres"  # the dialect the suites' SQL is written in (see suites.sum_matches)
UNEXPECTED_ROWS = "unexpected_rows_expectation"
# history.COLUMNS' dlt data types as Spark SQL types; timestamps are naive UTC, as on every engine
SPARK_TYPES = {"text": "string", "bool": "boolean", "bigint": "bigint", "double": "double"}


def spark_query(query: str) -> str:
    """An unexpected-rows query translated from the suites' dialect to Spark SQL; ``{batch}`` is kept."""
    if _BATCH_STANDIN in query or BATCH not in query:
        raise ValueError(f"the query must name the batch as {BATCH} (and only so)")
    statements = sqlglot.parse(query.replace(BATCH, _BATCH_STANDIN), read=QUERY_DIALECT)
    if len(statements) != 1 or statements[0] is None:
        raise ValueError("the query must be one statement")
    rendered = statements[0].sql(dialect="spark", unsupported_level=ErrorLevel.RAISE)
    return rendered.replace(_BATCH_STANDIN, BATCH)


def spark_expectation(expectation: Any) -> Any:
    """A copy of one expectation as Spark runs it; raises ``UnsupportedExpectation`` when it cannot."""
    copy = expectation.copy(deep=True)
    if copy.expectation_type != UNEXPECTED_ROWS:
        return copy
    try:
        copy.unexpected_rows_query = spark_query(copy.unexpected_rows_query)
    except (SqlglotError, ValueError) as error:
        first_line = (str(error).strip().splitlines() or [""])[0]
        raise UnsupportedExpectation(
            f"{UNEXPECTED_ROWS} [{copy.description}] cannot run on Spark: its query does not translate to"
            f" Spark SQL ({type(error).__name__}: {first_line[:200]})"
        ) from error
    return copy


class SparkTables:
    """The GX source on Spark: a dataframe asset per suite over ``spark.table``, queries in Spark SQL."""

    def __init__(self, datasource: Any, session: Any) -> None:
        self.datasource, self.session = datasource, session

    def batch(self, suite: TableSuite) -> Any:
        """The suite's table as one batch: a lazy Spark dataframe, never collected."""
        frame = self.session.table(spark.quote(suite.schema, suite.table))
        asset = self.datasource.add_dataframe_asset(name=suite.name)
        definition = asset.add_batch_definition_whole_dataframe("whole_dataframe")
        return definition.get_batch(batch_parameters={"dataframe": frame})

    def expectations(self, suite: TableSuite) -> list[Any]:
        """The suite's expectations as Spark runs them (see ``spark_expectation``)."""
        return [spark_expectation(expectation) for expectation in suite.expectations]


class SparkTarget:
    """The gate's view of the Spark target: the metastore's catalog, Spark SQL and GX's Spark engine."""

    def __init__(self) -> None:
        self._session: Any = None

    @property
    def session(self) -> Any:
        """The process's SparkSession (created with the project's settings on first use)."""
        if self._session is None:
            self._session = spark.session()
        return self._session

    def describe(self) -> str:
        """The master and the metastore's folder."""
        return f"spark {spark.master()} (metastore {spark.spark_dir()})"

    def open(self) -> None:
        """Start (or join) the session."""
        _ = self.session

    def _exists(self, database: str, table: str) -> bool:
        """Whether the metastore holds the table (or view); the name is quoted for the catalog's parser."""
        catalog = self.session.catalog
        return bool(catalog.databaseExists(database) and catalog.tableExists(spark.quote(database, table)))

    def columns(self, schema: str, table: str) -> set[str] | None:
        """The table's columns as the metastore declares them, or None when it does not exist."""
        if not self._exists(schema, table):
            return None
        return set(self.session.table(spark.quote(schema, table)).columns)

    def row_count(self, schema: str, table: str) -> int:
        """``count(*)`` in Spark SQL, the name quoted."""
        return spark.row_counts(schema, [table])[table]

    def stored_row_counts(self, suite: str, table: str, limit: int) -> list[tuple[str, str | None]] | None:
        """The stored results, read from the Spark table ``pipeline_runs.check_results``."""
        from pyspark.sql import functions as F

        if not self._exists(HISTORY_DATASET, CHECK_RESULTS):
            return None
        results = self.session.table(spark.quote(HISTORY_DATASET, CHECK_RESULTS))
        selected = results.where(
            (F.col("suite") == F.lit(suite))
            & (F.col("table_name") == F.lit(table))
            & (F.col("kind") == F.lit("expectation"))
            & (F.col("gate_verdict") == F.lit("passed"))
            & F.col("expectation").startswith(ROW_COUNT_EXPECTATION)
        )
        newest = selected.orderBy(F.col("evaluated_at").desc(), F.col("run_id").desc()).limit(limit)
        return [(row["run_id"], row["observed"]) for row in newest.select("run_id", "observed").collect()]

    @contextmanager
    def gx_source(self) -> Iterator[SparkTables]:
        """A Spark datasource for one gate run, removed afterwards with the temporary view GX leaves."""
        context = gx_context()
        name = f"spark_{uuid.uuid4().hex[:12]}"
        datasource = context.data_sources.add_spark(name, persist=False)
        try:
            yield SparkTables(datasource, self.session)
        finally:
            context.data_sources.delete(name)
            self.session.catalog.dropTempView(GX_TEMP_VIEW)

    def append_rows(
        self, rows: list[dict[str, Any]], dataset: str, table: str, columns: Mapping[str, Mapping]
    ) -> None:
        """Append to the Spark table, where the drift check reads its baseline."""
        append_rows(rows, dataset, table, columns)

    def close(self) -> None:
        """Nothing to release: the session serves the rest of the process (dbt, later gates)."""


def spark_schema(columns: Mapping[str, Mapping[str, Any]]) -> str:
    """A Spark DDL schema (``name type, ...``) for dlt column hints; names quoted."""
    parts = []
    for name, hints in columns.items():
        kind = hints["data_type"]
        if kind == "timestamp":
            spark_type = "timestamp" if hints.get("timezone", True) else "timestamp_ntz"
        elif kind in SPARK_TYPES:
            spark_type = SPARK_TYPES[kind]
        else:
            raise ValueError(f"no Spark type for column {name!r} of data type {kind!r}")
        parts.append(f"{spark.quote(name)} {spark_type}")
    return ", ".join(parts)


def append_rows(rows: list[dict[str, Any]], dataset: str, table: str, columns: Mapping[str, Mapping]) -> None:
    """Append rows to the Spark table ``<dataset>.<table>`` (Parquet; created with ``columns`` if missing)."""
    session = spark.session()
    session.sql(f"create database if not exists {spark.quote(dataset)}")
    frame = session.createDataFrame(
        [tuple(row.get(name) for name in columns) for row in rows], schema=spark_schema(columns)
    )
    frame.write.mode("append").format("parquet").saveAsTable(spark.quote(dataset, table))
    logger.info("appended %d rows to %s.%s", len(rows), dataset, table)
