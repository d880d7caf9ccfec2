"""DuckDB: one file the pipeline writes, and a read-only snapshot file that readers open."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import settings

from .base import Capabilities, EngineUnavailable, NothingPublished
from .duckdb_publish import publish_duckdb, write_duckdb_snapshot
from .file_lock import file_lock, file_lock_holder, lock_file_path
from .sql import SqlEngine
from .validation_connection import DuckDbValidationConnection


class DuckDbEngine(SqlEngine):
    """DuckDB: admits one writing process per file, so readers get a snapshot of the published data."""

    name = "duckdb"
    dialect = "duckdb"
    placeholder = "?"
    capabilities = Capabilities()

    def row_hash(self, columns: list[str]) -> str:
        """DuckDB's 64-bit hash of the values, as a hugeint (a sum of 2^63 of them still fits)."""
        return f"hash({', '.join(columns)})::hugeint"

    @contextmanager
    def connect(self, read_only: bool = False, role: str = "transformer") -> Iterator[Any]:
        """The warehouse file, opened for one step (DuckDB has no roles: ``role`` is ignored)."""
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

    def holds_data(self) -> bool:
        """Whether the warehouse file exists."""
        return settings.duckdb_path().exists()

    def lock(self, command: str) -> AbstractContextManager[None]:
        """An exclusive flock on the lock file beside the warehouse file."""
        return file_lock(lock_file_path(), command, self.name)

    def lock_holder(self) -> dict[str, Any] | None:
        """The run holding the lock file."""
        return file_lock_holder(lock_file_path())

    def publish_tables(self, connection: Any, tables: list[str], run_id: str, inputs: str) -> str:
        """Replace the published tables in one transaction, then the readers' snapshot file."""
        published_at = publish_duckdb(connection, tables, run_id, inputs, self.quote, self.schema_tables)
        write_duckdb_snapshot(connection, tables, self.quote, self.schema_tables)
        return published_at

    def reset(self, schemas: list[str], datasets: list[str]) -> None:
        """Delete the warehouse file and the readers' snapshot, with their write-ahead logs."""
        for path in (settings.duckdb_path(), settings.published_snapshot_path()):
            for leftover in (path, path.with_name(path.name + ".wal")):
                leftover.unlink(missing_ok=True)

    def validation_connection(self, read_only: bool = True) -> DuckDbValidationConnection:
        """One persistent DuckDB connection (read-only when possible) serving GX and the prechecks."""
        return DuckDbValidationConnection(read_only=read_only)

    def dlt_destination(self) -> Any:
        """The DuckDB file of the settings, under the loader's memory limit."""
        import dlt
        from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

        path = settings.duckdb_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        credentials = DuckDbCredentials(str(path))
        limit = settings.current().duckdb_memory_limit
        credentials.global_config = {"memory_limit": limit} if limit else None
        return dlt.destinations.duckdb(credentials)

    def destination_identity(self) -> str:
        """The warehouse file."""
        return f"duckdb://{settings.duckdb_path()}"

    def describe(self) -> list[str]:
        """The warehouse file and the readers' snapshot."""
        return [
            f"Warehouse: {settings.duckdb_path()}",
            f"Readers' snapshot: {settings.published_snapshot_path()} (open it read-only)",
        ]

    @property
    def published_schema(self) -> str:
        """The snapshot file holds the published tables in its main schema."""
        return "main"

    @contextmanager
    def published_reader(self) -> Iterator[Any]:
        """The readers' snapshot file, read-only, for one request (never the file the pipeline writes)."""
        import duckdb

        path = settings.published_snapshot_path()
        if not path.exists():
            raise NothingPublished("no runs yet: run `make demo`")
        try:
            connection = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as error:
            raise EngineUnavailable(f"snapshot not readable now: {type(error).__name__}") from None
        try:
            yield connection
        finally:
            connection.close()
