"""Run the extract-load step: each source into its raw dataset, reconciled before anything is committed.

Per source: recover what a crashed run left behind (see ``recovery``), start from the state the warehouse
holds (see ``destination_state``), extract, normalize, then reconcile rows read against rows normalized plus
rows quarantined. An unbalanced source is aborted before its load (nothing reaches the warehouse, dlt's state
and cursors are rewound) and the run fails naming the tables; a balanced one is loaded and summarised per table.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import dlt
from dlt.common.pipeline import LoadInfo

from engines import current_engine
from settings import dataset_of

from .destination import (
    LOADER_FILE_FORMAT,
    broken_pipelines_dir,
    destination_identity,
    dlt_destination,
    pipelines_dir,
)
from .destination_state import state_of_destination
from .ledger import QUARANTINE_TABLE, ReconciliationError, RowLedger, TableReconciliation
from .merged_rows import rows_kept
from .recovery import recovered_pipeline
from .registry import build_source
from .table_stats import table_seconds

log = logging.getLogger(__name__)

# On Postgres dlt copies each normalized file with one binary COPY through ADBC, which held a whole file's rows
# in memory: the bench's 10M-item load (one file per table, two copies at once) peaked at 2,062 MiB. Files of
# at most this many rows, copied two at a time, bound it (DuckDB reads the files itself, under its own limit).
POSTGRES_FILE_ROWS = 1_000_000
POSTGRES_LOAD_WORKERS = 2
FILE_ROWS_VARIABLE = "NORMALIZE__DATA_WRITER__FILE_MAX_ITEMS"  # dlt's setting; one set by the user wins


@dataclass
class TableLoad:
    """One table of one source run: rows the warehouse kept, seconds, and the row balance when the source counts
    reads."""

    table: str
    rows: int
    seconds: float
    read: int | None = None
    quarantined: int = 0
    merged_away: int = 0  # rows the merge removed as duplicates of a key in the same load

    @property
    def rows_per_second(self) -> float | None:
        """Throughput, when the table took measurable time."""
        return round(self.rows / self.seconds, 1) if self.seconds > 0 else None

    @property
    def balanced(self) -> bool | None:
        """Rows read = loaded + merged away as duplicates + quarantined (None for tables the source does not
        count)."""
        return None if self.read is None else self.read == self.rows + self.merged_away + self.quarantined

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy with the derived fields."""
        return {**asdict(self), "rows_per_second": self.rows_per_second, "balanced": self.balanced}


@dataclass
class SourceLoad:
    """What one source's pipeline run did: load ids, rows per table, seconds per step, per-table detail."""

    source: str
    dataset: str
    load_ids: list[str]
    rows: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    tables: list[TableLoad] = field(default_factory=list)
    recovered: list[dict[str, Any]] = field(
        default_factory=list
    )  # packages of a crashed run, finished or aborted

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy."""
        return {**asdict(self), "tables": [table.to_dict() for table in self.tables]}


def source_pipeline(name: str) -> dlt.Pipeline:
    """A named pipeline whose state is kept per warehouse, so switching engines never shares cursors."""
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt_destination(),
        dataset_name=dataset_of(name),
        pipelines_dir=str(pipelines_dir()),
        progress=dlt.progress.log(log_period=10, logger=log, dump_system_stats=False)
        if log.isEnabledFor(logging.INFO)
        else None,
    )


def _loaded_rows(row_counts: dict[str, int]) -> dict[str, int]:
    """Rows normalized per data table (dlt's own tables left out)."""
    return {table: count for table, count in row_counts.items() if not table.startswith("_dlt")}


def _reconcile(ledger: RowLedger, rows: dict[str, int]) -> list[TableReconciliation]:
    """Per counted table, and for the quarantine table as a whole, rows in against rows out."""
    balances = ledger.reconcile(rows)
    quarantined = sum(ledger.quarantined.values())
    if quarantined or rows.get(QUARANTINE_TABLE):
        balances.append(TableReconciliation(QUARANTINE_TABLE, quarantined, rows.get(QUARANTINE_TABLE, 0), 0))
    return balances


@contextmanager
def _bounded_files() -> Iterator[None]:
    """Where the engine bounds load files (Postgres), normalize into files of at most ``POSTGRES_FILE_ROWS`` rows
    (unless dlt is told otherwise)."""
    if not current_engine().capabilities.bounded_load_files or FILE_ROWS_VARIABLE in os.environ:
        yield
        return
    os.environ[FILE_ROWS_VARIABLE] = str(POSTGRES_FILE_ROWS)
    try:
        yield
    finally:
        del os.environ[FILE_ROWS_VARIABLE]


def _load_options() -> dict[str, int]:
    """dlt's load options: its defaults, but two jobs at once where files are bounded (each copy holds its file's
    rows)."""
    return {"workers": POSTGRES_LOAD_WORKERS} if current_engine().capabilities.bounded_load_files else {}


def run_source(name: str, source: Any, ledger: RowLedger) -> SourceLoad:
    """Recover from a crashed run, extract and normalize one source, reconcile, then load it; time each step."""
    pipeline, actions = recovered_pipeline(name, source_pipeline, broken_pipelines_dir())
    recovered = [action.to_dict() for action in actions]
    pipeline = state_of_destination(pipeline, destination_identity())
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    extract_info = pipeline.extract(source, loader_file_format=LOADER_FILE_FORMAT)
    seconds["extract"] = time.perf_counter() - started
    started = time.perf_counter()
    with _bounded_files():
        normalize_info = pipeline.normalize()
    seconds["normalize"] = time.perf_counter() - started
    rows = _loaded_rows(normalize_info.row_counts)
    balances = _reconcile(ledger, rows)
    failures = [balance for balance in balances if not balance.balanced]
    if failures:
        pipeline.abort_packages()
        raise ReconciliationError(name, failures)
    started = time.perf_counter()
    load_info: LoadInfo = pipeline.load(**_load_options())
    seconds["load"] = time.perf_counter() - started
    load_info.raise_on_failed_jobs()
    per_table = table_seconds(extract_info, normalize_info, load_info)
    read, quarantined = ledger.read, ledger.quarantined
    kept = rows_kept(pipeline, list(rows), list(load_info.loads_ids))
    tables = [
        TableLoad(
            table,
            kept.get(table, count),
            round(per_table.get(table, 0.0), 3),
            read.get(table),
            quarantined.get(table, 0),
            count - kept.get(table, count),
        )
        for table, count in sorted(rows.items())
    ]
    rows = {table.table: table.rows for table in tables}
    result = SourceLoad(name, dataset_of(name), list(load_info.loads_ids), rows, seconds, tables, recovered)
    log.info(
        "%s: %s rows into %s in %.1fs", name, sum(rows.values()), dataset_of(name), sum(seconds.values())
    )
    return result


def source_for(name: str, ledger: RowLedger, location: str | None = None) -> Any:
    """The dlt source called ``name`` (see ``registry``); ``location`` overrides its configured base URL,
    bucket or database."""
    return build_source(name, ledger, location)


def load_source(name: str, location: str | None = None) -> SourceLoad:
    """Load one source by name into ``raw_<name>`` (``location`` as in :func:`source_for`)."""
    ledger = RowLedger()
    return run_source(name, source_for(name, ledger, location), ledger)
