"""The engine interface: what the pipeline asks of a warehouse, one implementation per engine (like dbt adapters).

Callers hold an :class:`Engine` (``engines.current_engine()``) and call its methods; they never ask which
engine it is. What an engine can or cannot do is said by its :class:`Capabilities`, never by its name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import settings

LOAD_ID_COLUMN = "_dlt_load_id"
LOADS_TABLE = "_dlt_loads"


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse."""


class NothingPublished(RuntimeError):
    """Readers asked for published data before any publish."""


class EngineUnavailable(RuntimeError):
    """The warehouse did not answer now (busy or unreachable)."""


@dataclass(frozen=True)
class Capabilities:
    """What an engine supports; callers decide by these flags, never by the engine's name."""

    supports_roles: bool = False  # least-privilege roles per step: ``connect(role=...)`` assumes one
    bounded_load_files: bool = False  # dlt normalizes into bounded files, loaded a few at a time
    merges_by_key: bool = True  # dlt merges rows by primary key (a lake of plain Parquet only appends)
    dbt_in_process: bool = False  # dbt must run in this process (it shares the engine's session)
    commands: frozenset[str] | None = None  # the CLI commands it runs; None: every command
    extra: str | None = None  # the pyproject extra holding its packages, when the core lacks them

    def supports(self, command: str) -> bool:
        """Whether the CLI command runs on this engine."""
        return self.commands is None or command in self.commands


class ValidationTargets(Protocol):
    """The validation targets the gate offers (``expectations.target``); each engine picks its own."""

    def sql(self, connection: Any) -> Any:
        """A target validating through a SQL connection (``engines.validation_connection``)."""

    def spark(self) -> Any:
        """A target validating through GX's Spark engine in this process's session."""


class Engine(ABC):
    """One warehouse engine: connections, catalog, lock, publish, reset, validation, dlt and dbt."""

    name: ClassVar[str]  # for display, folder names and dbt's ``--target``; nothing branches on it
    capabilities: ClassVar[Capabilities]
    placeholder: ClassVar[str] = "?"  # the bound-parameter marker of the engine's DB-API driver

    @property
    def dbt_target(self) -> str:
        """The output of ``profiles.yml`` dbt runs against."""
        return self.name

    @abstractmethod
    def connect(self, read_only: bool = False, role: str = "transformer") -> AbstractContextManager[Any]:
        """A DB-API connection for one step, always closed; ``role`` is assumed where roles are supported."""

    @abstractmethod
    def quote(self, *parts: str) -> str:
        """A dotted, quoted identifier (schema.table) in the engine's SQL: names are never pasted raw."""

    @abstractmethod
    def schema_tables(self, connection: Any, schema: str) -> list[str]:
        """The tables of a schema, in name order (none when the schema does not exist)."""

    @abstractmethod
    def table_columns(self, connection: Any, schema: str, table: str) -> list[str]:
        """The column names of one table."""

    def fetch_all(self, connection: Any, sql: str, parameters: tuple | list = ()) -> list[tuple]:
        """Run one query with bound parameters and return all rows."""
        cursor = connection.cursor()
        try:
            cursor.execute(sql, parameters)
            return [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()

    @abstractmethod
    def row_hash(self, columns: list[str]) -> str:
        """An SQL expression hashing one row's ``columns`` (quoted already) to a number that ``sum`` adds up
        without overflow: the order-free digest of a table's content (warehouse/inputs.py)."""

    def row_counts(self, connection: Any, schema: str, tables: list[str]) -> dict[str, int]:
        """Rows per table of a schema."""
        return {
            table: int(self.fetch_all(connection, f"select count(*) from {self.quote(schema, table)}")[0][0])
            for table in tables
        }

    @abstractmethod
    def holds_data(self) -> bool:
        """Whether the warehouse exists here yet (a DuckDB file, a Spark metastore; a server always)."""

    def orphan_rows(self, datasets: Iterable[str]) -> dict[str, int]:
        """Per raw table, rows whose load id has no completed ``_dlt_loads`` row (they never reach staging)."""
        counts = {}
        with self.connect(read_only=True, role="loader") as connection:
            for dataset in datasets:
                names = self.schema_tables(connection, dataset)
                loads = self.quote(dataset, LOADS_TABLE) if LOADS_TABLE in names else None
                completed = (
                    f"(select load_id from {loads} where status = 0)"
                    if loads
                    else "(select null where false)"
                )
                for table in names:
                    if table.startswith("_dlt"):
                        continue
                    if LOAD_ID_COLUMN not in self.table_columns(connection, dataset, table):
                        continue
                    sql = (
                        f"select count(*) from {self.quote(dataset, table)}"
                        f" where {self.quote(LOAD_ID_COLUMN)} not in {completed}"
                    )
                    found = self.fetch_all(connection, sql)[0][0]
                    if found:
                        counts[f"{dataset}.{table}"] = int(found)
        return counts

    @abstractmethod
    def lock(self, command: str) -> AbstractContextManager[None]:
        """Hold the warehouse for one run; raise :class:`WarehouseBusy` at once when another run does."""

    @abstractmethod
    def lock_holder(self) -> dict[str, Any] | None:
        """Who holds the warehouse now, or None when it is free."""

    def prepare(self) -> None:
        """Make the warehouse ready before a command that touches it (idempotent); nothing by default."""
        return None

    @abstractmethod
    def publish(self, run_id: str, inputs: str) -> tuple[str, dict[str, int]]:
        """Publish the audited marts all at once, recording the run and the digest of its ``inputs`` with them;
        return the publication time and the published row counts."""

    @abstractmethod
    def reset(self, schemas: list[str], datasets: list[str]) -> None:
        """Drop the pipeline's ``schemas`` and its loaded ``datasets`` (the raw data of every source)."""

    @abstractmethod
    def validation_target(self, targets: ValidationTargets) -> Any:
        """The gate's target on this engine, built by one of ``targets``' constructors."""

    @abstractmethod
    def dlt_destination(self) -> Any:
        """dlt's destination for this warehouse; credentials come from settings, never from code."""

    @abstractmethod
    def destination_identity(self) -> str:
        """Where the warehouse keeps its data (file, database or lake), with no secret in it."""

    def register_dataset(self, dataset: str) -> list[str]:
        """Declare a loaded dataset's tables where dlt does not (nothing by default); return the tables."""
        return []

    def dbt_environment(self) -> dict[str, str]:
        """Variables ``profiles.yml`` reads for this engine's output, beyond the shared ones."""
        return {}

    def before_dbt(self) -> None:
        """Prepare this process before dbt runs in it (engines with ``dbt_in_process``); nothing by default."""
        return None

    @abstractmethod
    def describe(self) -> list[str]:
        """Where the warehouse is, in a few lines for the run summary (no secrets)."""

    def server_url(self, database: str) -> str | None:
        """A SQLAlchemy URL of another database on this engine's server, or None without a server."""
        return None

    @property
    def published_schema(self) -> str:
        """The schema readers find published tables in."""
        return settings.PUBLISHED_SCHEMA

    @abstractmethod
    def published_reader(self) -> AbstractContextManager[Any]:
        """A read-only connection to the published data for one request.

        Raises :class:`NothingPublished` before any publish and :class:`EngineUnavailable` when busy.
        """
