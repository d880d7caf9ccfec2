"""What DuckDB and Postgres share: SQL through a DB-API driver, identifiers quoted by sqlglot, information_schema."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

import sqlglot.expressions as exp

import settings

from .base import Engine


class SqlEngine(Engine):
    """An engine reached through a DB-API connection and a standard ``information_schema``."""

    dialect: ClassVar[str]  # sqlglot's name of the engine's SQL

    def quote(self, *parts: str) -> str:
        """A dotted, quoted identifier rendered by sqlglot in the engine's dialect."""
        return ".".join(exp.to_identifier(part, quoted=True).sql(dialect=self.dialect) for part in parts)

    def schema_tables(self, connection: Any, schema: str) -> list[str]:
        """The base tables of a schema, in name order."""
        sql = (
            "select table_name from information_schema.tables"
            f" where table_schema = {self.placeholder} and table_type = 'BASE TABLE' order by table_name"
        )
        return [name for (name,) in self.fetch_all(connection, sql, [schema])]

    def table_columns(self, connection: Any, schema: str, table: str) -> list[str]:
        """The column names of one table."""
        sql = (
            "select column_name from information_schema.columns"
            f" where table_schema = {self.placeholder} and table_name = {self.placeholder}"
        )
        return [name for (name,) in self.fetch_all(connection, sql, [schema, table])]

    def publish(self, run_id: str, inputs: str) -> tuple[str, dict[str, int]]:
        """Publish every table of the marts schema (an error when it has none); count the published rows."""
        with self.connect() as connection:
            tables = self.schema_tables(connection, settings.MARTS_SCHEMA)
            if not tables:
                raise RuntimeError(
                    f"nothing to publish: schema {settings.MARTS_SCHEMA!r} has no tables (run dbt first)"
                )
            published_at = self.publish_tables(connection, tables, run_id, inputs)
            counts = self.row_counts(connection, settings.PUBLISHED_SCHEMA, tables)
        return published_at, counts

    @abstractmethod
    def publish_tables(self, connection: Any, tables: list[str], run_id: str, inputs: str) -> str:
        """Make these marts the published data at once; return the publication time (UTC, ISO, ``Z``)."""

    def validation_target(self, targets: Any) -> Any:
        """A SQL target on the engine's read-only validation connection."""
        return targets.sql(self.validation_connection(read_only=True))

    @abstractmethod
    def validation_connection(self, read_only: bool = True) -> Any:
        """The gate's connection point: DB-API factory, SQLAlchemy engine and GX datasource arguments."""
