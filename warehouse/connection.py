"""A short-lived DB-API connection to the configured warehouse, and safe identifier quoting (through its engine)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from engines import current_engine


def placeholder() -> str:
    """The bound-parameter marker of the configured engine's driver."""
    return current_engine().placeholder


def quote(*parts: str) -> str:
    """A dotted, quoted identifier (schema.table) in the engine's SQL: names are never pasted into SQL raw."""
    return current_engine().quote(*parts)


def connect(read_only: bool = False, role: str = "transformer") -> AbstractContextManager[Any]:
    """Open the warehouse for one step and always close it (DuckDB admits one writing process per file).

    Where the engine has roles (Postgres), the session assumes the step's (``loader``, ``transformer``, ``reader``).
    """
    return current_engine().connect(read_only=read_only, role=role)


def schema_tables(connection: Any, schema: str) -> list[str]:
    """The tables of a schema, in name order."""
    return current_engine().schema_tables(connection, schema)


def row_counts(connection: Any, schema: str, tables: list[str]) -> dict[str, int]:
    """Rows per table of a schema."""
    return current_engine().row_counts(connection, schema, tables)


def fetch_all(connection: Any, sql: str, parameters: tuple | list = ()) -> list[tuple]:
    """Run one query with bound parameters on the configured engine and return all rows."""
    return current_engine().fetch_all(connection, sql, parameters)
