"""A DB-API-shaped face of the process's SparkSession, so callers query Spark as they query the other engines."""

from __future__ import annotations

from typing import Any


class SparkCursor:
    """Runs one Spark SQL statement at a time; bound parameters are not supported (Spark SQL has none here)."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.description: list[tuple] | None = None
        self._rows: list[tuple] = []

    def execute(self, sql: str, parameters: tuple | list = ()) -> None:
        """Run the statement and keep its rows."""
        if parameters:
            raise ValueError("Spark SQL statements here take no bound parameters")
        frame = self.session.sql(sql)
        self.description = [(name, None, None, None, None, None, None) for name in frame.columns]
        self._rows = [tuple(row) for row in frame.collect()]

    def fetchall(self) -> list[tuple]:
        """Every row of the last statement."""
        return self._rows

    def close(self) -> None:
        """Nothing to release: the session outlives the cursor."""


class SparkConnection:
    """The session as a connection; closing it leaves the process's session running (dbt shares it)."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def cursor(self) -> SparkCursor:
        """A new cursor on the session."""
        return SparkCursor(self.session)

    def commit(self) -> None:
        """Spark has no multi-statement transaction: every statement is already done."""

    def close(self) -> None:
        """Nothing to close: the session is the process's."""
