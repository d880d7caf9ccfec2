"""Source freshness by the declarations ``dbt source freshness`` reads, computed without starting dbt.

The thresholds and queries stay where dbt users look for them: ``config.freshness`` and
``config.loaded_at_query`` of each table in ``models/staging/<source>/_<source>__sources.yml``. A dbt process
costs about 5 s at demo scale to run one ``max()`` per table, half of a run with nothing new
(benchmarks/README.md), so the two queries this project writes are computed here on the engine's connection:

- a source's completed loads: ``select max(inserted_at) from {{ this }} where status = 0`` on ``_dlt_loads``;
- the newest completed load that wrote rows into a table: the same over the loads named by its ``_dlt_load_id``.

A table declaring any other query is handed to ``dbt source freshness --select source:<source>.<table>``, so no
declaration is ever ignored. Statuses follow dbt's: ``pass``, ``warn`` or ``error`` by the table's thresholds; a
table with no completed load at all is ``error`` (dbt cannot compute its age either).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engines import current_engine

from .dbt_sources import (
    LOADS_CONFIG,
    STAGING_DIR,
    declared_sources,
    read_source_entry,
    sources_file,
    threshold_hours,
)

LOADS = LOADS_CONFIG["loaded_at_query"]
ROWS_LOADED = (
    "select max(inserted_at) from {{ this.incorporate(path={'identifier':'_dlt_loads'}) }}"
    " where status = 0 and load_id in (select _dlt_load_id from {{ this }})"
)


def _shape(query: str) -> str:
    """A query without its whitespace, so a folded YAML line compares equal to the one-line template."""
    return re.sub(r"\s+", "", query)


KNOWN_QUERIES = {_shape(LOADS): "loads", _shape(ROWS_LOADED): "rows_loaded"}


@dataclass(frozen=True)
class Freshness:
    """One declared table's freshness: its newest completed load, its age and its status by the thresholds."""

    source: str
    table: str
    newest: datetime | None
    age_hours: float | None
    warn_hours: float | None
    error_hours: float | None

    @property
    def status(self) -> str:
        """``pass``, ``warn`` or ``error``, as ``dbt source freshness`` reports it."""
        if self.age_hours is None:
            return "error"
        if self.error_hours is not None and self.age_hours >= self.error_hours:
            return "error"
        if self.warn_hours is not None and self.age_hours >= self.warn_hours:
            return "warn"
        return "pass"

    def describe(self) -> str:
        """One line: where, how old, against which threshold."""
        where = f"{self.source}.{self.table}"
        if self.newest is None:
            return f"{where}: no completed load (status = 0 in _dlt_loads) wrote it"
        limit = self.error_hours if self.status == "error" else self.warn_hours
        return f"{where}: newest completed load {self.age_hours:.1f} h ago (threshold {limit:g} h)"


@dataclass(frozen=True)
class DeclaredCheck:
    """A table with a freshness declaration: where it is, its query's kind (None: not one of ours), thresholds."""

    source: str
    table: str
    schema: str
    identifier: str
    kind: str | None
    warn_hours: float | None
    error_hours: float | None


def declared_checks(
    sources: Iterable[str] | None = None, staging_dir: Path = STAGING_DIR
) -> list[DeclaredCheck]:
    """Every table with a freshness threshold and a query, as dbt reads them (a table's config, else its
    source's), of the given sources (default: every source with a sources YAML). dbt sees only the sources the
    warehouse loads (dbt_project.yml), so the pipeline asks for those."""
    checks = []
    wanted = (
        declared_sources(staging_dir)
        if sources is None
        else sorted(set(sources) & set(declared_sources(staging_dir)))
    )
    for source in wanted:
        path = sources_file(source, staging_dir)
        entry = read_source_entry(path, source) or {}
        inherited = entry.get("config") or {}
        for table in entry.get("tables") or []:
            config = {**inherited, **(table.get("config") or {})}
            freshness, query = config.get("freshness") or {}, config.get("loaded_at_query")
            if not freshness or not (query or config.get("loaded_at_field")):
                continue
            where = f"{path}: {source}.{table['name']}"
            checks.append(
                DeclaredCheck(
                    source=source,
                    table=table["name"],
                    schema=entry.get("schema") or source,
                    identifier=table.get("identifier") or table["name"],
                    kind=KNOWN_QUERIES.get(_shape(query)) if query else None,
                    warn_hours=threshold_hours(freshness.get("warn_after"), where),
                    error_hours=threshold_hours(freshness.get("error_after"), where),
                )
            )
    return checks


def _newest(engine: Any, connection: Any, check: DeclaredCheck, tables: list[str]) -> datetime | None:
    """The newest completed load's time for one declared table (``tables``: its schema's); None when none."""
    if "_dlt_loads" not in tables or check.identifier not in tables:
        return None
    sql = f"select max(inserted_at) from {engine.quote(check.schema, '_dlt_loads')} where status = 0"
    if check.kind == "rows_loaded":
        loaded = f"select {engine.quote('_dlt_load_id')} from {engine.quote(check.schema, check.identifier)}"
        sql += f" and load_id in ({loaded})"
    ((newest,),) = engine.fetch_all(connection, sql)
    if newest is None:
        return None
    if isinstance(newest, str):
        newest = datetime.fromisoformat(newest)
    # Postgres and DuckDB return a zoned time; PySpark returns the process's local time without a zone, which
    # is what Python's astimezone reads a naive time as.
    return newest.astimezone(UTC)


def native_freshness(checks: list[DeclaredCheck], now: datetime | None = None) -> list[Freshness]:
    """The freshness of every check whose query this module knows, read on the configured engine."""
    now = now or datetime.now(UTC)
    engine = current_engine()
    results = []
    with engine.connect(read_only=True) as connection:
        known = [check for check in checks if check.kind]
        # each schema listed once, not once per declared table
        tables = {schema: engine.schema_tables(connection, schema) for schema in {c.schema for c in known}}
        for check in known:
            newest = _newest(engine, connection, check, tables[check.schema])
            age = None if newest is None else (now - newest).total_seconds() / 3600
            results.append(
                Freshness(check.source, check.table, newest, age, check.warn_hours, check.error_hours)
            )
    return results


def dbt_selectors(checks: list[DeclaredCheck]) -> list[str]:
    """``source:<source>.<table>`` of every check whose query only dbt can run."""
    return [f"source:{check.source}.{check.table}" for check in checks if not check.kind]
