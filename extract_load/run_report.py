"""Store each run's per-table load summary in the warehouse (``pipeline_runs.table_loads``) for reporting.

One row per run, source and table: rows read, loaded, merged away as duplicates and quarantined, whether
they balance (read = loaded + merged away + quarantined), seconds and rows per second. Sources aborted by a
failed reconciliation are stored too, with status ``aborted``, so the history shows failures as well as
successes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dlt

from settings import dataset_of

from .destination import LOADER_FILE_FORMAT, dlt_destination, pipelines_dir
from .ledger import ReconciliationError
from .pipeline import SourceLoad

REPORTS_DATASET = "pipeline_runs"
TABLE_LOADS = "table_loads"

COLUMNS: dict[str, dict] = {
    "run_id": {"data_type": "text", "nullable": False},
    "source": {"data_type": "text", "nullable": False},
    "dataset": {"data_type": "text", "nullable": False},
    "table_name": {"data_type": "text", "nullable": False},
    "status": {"data_type": "text", "nullable": False},
    "rows_loaded": {"data_type": "bigint", "nullable": False},
    "rows_read": {"data_type": "bigint", "nullable": True},
    "rows_quarantined": {"data_type": "bigint", "nullable": False},
    "rows_merged_away": {"data_type": "bigint", "nullable": True},
    "balanced": {"data_type": "bool", "nullable": True},
    "seconds": {"data_type": "double", "nullable": True},
    "rows_per_second": {"data_type": "double", "nullable": True},
    "load_ids": {"data_type": "text", "nullable": True},
    "recorded_at": {"data_type": "timestamp", "timezone": False, "nullable": False},
}


def _now() -> datetime:
    """UTC now without time zone, like every timestamp the warehouse stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def loaded_rows(run_id: str, load: SourceLoad) -> list[dict[str, Any]]:
    """The report rows of one loaded source."""
    return [
        {
            "run_id": run_id,
            "source": load.source,
            "dataset": load.dataset,
            "table_name": table.table,
            "status": "loaded",
            "rows_loaded": table.rows,
            "rows_read": table.read,
            "rows_quarantined": table.quarantined,
            "rows_merged_away": table.merged_away,
            "balanced": table.balanced,
            "seconds": table.seconds,
            "rows_per_second": table.rows_per_second,
            "load_ids": ",".join(load.load_ids),
            "recorded_at": _now(),
        }
        for table in load.tables
    ]


def aborted_rows(run_id: str, source: str, error: ReconciliationError) -> list[dict[str, Any]]:
    """The report rows of a source whose reconciliation failed (nothing of it was loaded)."""
    return [
        {
            "run_id": run_id,
            "source": source,
            "dataset": dataset_of(source),
            "table_name": balance.table,
            "status": "aborted",
            "rows_loaded": balance.loaded,
            "rows_read": balance.read,
            "rows_quarantined": balance.quarantined,
            "rows_merged_away": None,
            "balanced": balance.balanced,
            "seconds": None,
            "rows_per_second": None,
            "load_ids": None,
            "recorded_at": _now(),
        }
        for balance in error.failures
    ]


def append_to_pipeline_runs(rows: list[dict[str, Any]], table: str, columns: dict[str, dict]) -> None:
    """Append rows to ``pipeline_runs.<table>`` in the configured warehouse, as the loader (one dlt run)."""
    pipeline = dlt.pipeline(
        pipeline_name=REPORTS_DATASET,
        destination=dlt_destination(),
        dataset_name=REPORTS_DATASET,
        pipelines_dir=str(pipelines_dir()),
    )
    info = pipeline.run(
        rows,
        table_name=table,
        write_disposition="append",
        columns=columns,
        loader_file_format=LOADER_FILE_FORMAT,
    )
    info.raise_on_failed_jobs()


def store_report(rows: list[dict[str, Any]]) -> None:
    """Append report rows to ``pipeline_runs.table_loads`` in the configured warehouse."""
    if rows:
        append_to_pipeline_runs(rows, TABLE_LOADS, COLUMNS)
