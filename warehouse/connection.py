"""A short-lived DB-API connection to the configured warehouse, and safe identifier quoting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlglot.expressions as exp

from . import settings

SQL_DIALECT = {"duckdb": "duckdb", "postgres": "postgres"}
PLACEHOLDER = {"duckdb": "?", "postgres": "%s"}


def placeholder() -> str:
    """The bound-parameter marker of the configured engine's driver."""
    return PLACEHOLDER[settings.warehouse_name()]


def quote(*parts: str) -> str:
    """A dotted, quoted identifier (schema.table) rendered by sqlglot: names are never pasted into SQL raw."""
    dialect = SQL_DIALECT[settings.warehouse_name()]
    return ".".join(exp.to_identifier(part, quoted=True).sql(dialect=dialect) for part in parts)


@contextmanager
def connect(read_only: bool = False, role: str = "transformer") -> Iterator[Any]:
    """Open the warehouse for one step and always close it (DuckDB admits one writing process per file).

    On Postgres the session assumes the step's role (``loader``, ``transformer`` or ``reader``).
    """
    if settings.warehouse_name() == "postgres":
        import psycopg2

        connection = psycopg2.connect(**settings.postgres_credentials(role).psycopg_kwargs())
        if read_only:
            connection.set_session(readonly=True)
    else:
        import duckdb

        path = settings.duckdb_path()
        if read_only and not path.exists():
            raise FileNotFoundError(f"no warehouse at {path}: run `make el` (or `make demo`) first")
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = duckdb.connect(str(path), read_only=read_only)
    try:
        yield connection
    finally:
        connection.close()


def schema_tables(connection: Any, schema: str) -> list[str]:
    """The base tables of a schema, in name order."""
    sql = (
        "select table_name from information_schema.tables"
        f" where table_schema = {placeholder()} and table_type = 'BASE TABLE' order by table_name"
    )
    return [name for (name,) in fetch_all(connection, sql, [schema])]


def row_counts(connection: Any, schema: str, tables: list[str]) -> dict[str, int]:
    """Rows per table of a schema."""
    return {
        table: fetch_all(connection, f"select count(*) from {quote(schema, table)}")[0][0] for table in tables
    }


def fetch_all(connection: Any, sql: str, parameters: tuple | list = ()) -> list[tuple]:
    """Run one query with bound parameters on either engine and return all rows."""
    cursor = connection.cursor()
    try:
        cursor.execute(sql, parameters)
        return cursor.fetchall()
    finally:
        cursor.close()
