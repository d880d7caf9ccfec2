"""Where a gate validates: one small object per engine, chosen by ``WAREHOUSE``, behind one gate flow.

A target answers the gate's own prechecks (does the table exist, its columns, its row count), reads the
stored row counts the drift check compares with, opens the GX source the suites run on and stores the gate's
results: a SQL datasource on DuckDB and Postgres (``SqlTarget``, here), GX's Spark engine on Spark
(``spark_target.py``). The engine (``engines``) picks its target from :class:`Targets`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

import sqlalchemy as sa

from engines import current_engine
from engines.validation_connection import ValidationConnection

from .row_count_drift import stored_row_counts
from .runner import SqlTables, gx_datasource


class ValidationTarget(Protocol):
    """What the gate needs of an engine."""

    def describe(self) -> str:
        """Where the gate validates, without any password."""

    def open(self) -> None:
        """Reach the warehouse once, so that an unreachable one is a gate error before any suite runs."""

    def columns(self, schema: str, table: str) -> set[str] | None:
        """The table's column names, or None when the table does not exist."""

    def row_count(self, schema: str, table: str) -> int:
        """The table's number of rows, counted in the warehouse."""

    def stored_row_counts(self, suite: str, table: str, limit: int) -> list[tuple[str, str | None]] | None:
        """``(run_id, observed)`` of the suite's row-count results in passing runs, newest first; None
        when no results were ever stored."""

    def gx_source(self) -> AbstractContextManager[Any]:
        """The GX source of one gate run: ``batch(suite)`` and ``expectations(suite)`` (``runner.py``)."""

    def append_rows(
        self, rows: list[dict[str, Any]], dataset: str, table: str, columns: Mapping[str, Mapping]
    ) -> None:
        """Append gate results to ``<dataset>.<table>`` in the warehouse (created with ``columns`` if missing)."""

    def close(self) -> None:
        """Release what the target opened."""


class SqlTarget:
    """DuckDB and Postgres: our SQLAlchemy engine for the prechecks, a GX SQL datasource for the suites."""

    def __init__(self, connection: ValidationConnection) -> None:
        self.connection = connection

    def describe(self) -> str:
        """The connection's description (DuckDB file and mode, or Postgres host, port and database)."""
        return self.connection.describe()

    def open(self) -> None:
        """Connect once (DuckDB: the persistent read-only connection is opened here)."""
        with self.connection.engine.connect():
            pass

    def columns(self, schema: str, table: str) -> set[str] | None:
        """Column names through SQLAlchemy's inspector."""
        with self.connection.engine.connect() as connection:
            inspector = sa.inspect(connection)
            if not inspector.has_table(table, schema=schema):
                return None
            return {column["name"] for column in inspector.get_columns(table, schema=schema)}

    def row_count(self, schema: str, table: str) -> int:
        """``count(*)`` of the table, quoted and run by SQLAlchemy in the warehouse."""
        query = sa.select(sa.func.count()).select_from(sa.table(table, schema=schema))
        with self.connection.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def stored_row_counts(self, suite: str, table: str, limit: int) -> list[tuple[str, str | None]] | None:
        """The stored results, read from ``pipeline_runs.check_results`` through SQLAlchemy."""
        return stored_row_counts(self.connection.engine, suite, table, limit)

    @contextmanager
    def gx_source(self) -> Iterator[SqlTables]:
        """A GX SQL datasource on our connection factory, removed afterwards."""
        with gx_datasource(self.connection) as datasource:
            yield SqlTables(datasource)

    def append_rows(
        self, rows: list[dict[str, Any]], dataset: str, table: str, columns: Mapping[str, Mapping]
    ) -> None:
        """Append through the load reports' dlt pipeline (on Postgres as the loader, which owns the dataset)."""
        from extract_load.run_report import append_to_pipeline_runs

        append_to_pipeline_runs(rows, table, columns)

    def close(self) -> None:
        """Dispose the engine and close the persistent DuckDB connection."""
        self.connection.close()


class Targets:
    """The targets this package offers; each engine picks its own (``Engine.validation_target``)."""

    def sql(self, connection: ValidationConnection) -> SqlTarget:
        """A SQL datasource on the engine's validation connection."""
        return SqlTarget(connection)

    def spark(self) -> ValidationTarget:
        """GX's Spark engine in the process's session."""
        from .spark_target import SparkTarget

        return SparkTarget()


def validation_target() -> ValidationTarget:
    """The configured engine's target: SQL warehouses are opened read-only."""
    return current_engine().validation_target(Targets())
