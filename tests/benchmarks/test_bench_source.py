"""The bench's drops load by appending: every row once, a re-run reads nothing, new files add their rows.

On Postgres the normalized files are cut small, so each table is copied from several files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.bench_source import SOURCE_NAME, bench_source
from benchmarks.data import write_bench_data
from extract_load.ledger import RowLedger
from extract_load.pipeline import SourceLoad, run_source, source_pipeline


def _load(folder: Path) -> SourceLoad:
    """One reconciled run of the bench source over the folder."""
    ledger = RowLedger()
    return run_source(SOURCE_NAME, bench_source(str(folder), ledger), ledger)


def _counts() -> dict[str, int]:
    """Rows and distinct ids per raw table of the bench."""
    with source_pipeline(SOURCE_NAME).sql_client() as client:
        out = {}
        for table in ("orders", "order_items"):
            name = client.make_qualified_table_name(table)
            rows, ids = client.execute_sql(f"select count(*), count(distinct id) from {name}")[0]
            out[table] = (int(rows), int(ids))
        return out


def test_append_drops_load_each_file_once(
    tmp_path: Path, warehouse: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first run loads every row, a re-run reads nothing, a later batch of files adds only its rows."""
    monkeypatch.setenv("POSTGRES__ROLES", "off")  # as in the bench: the loader owns its database
    monkeypatch.setattr("extract_load.pipeline.POSTGRES_FILE_ROWS", 300)  # several files per table
    folder = tmp_path / "bench"
    write_bench_data(folder, 2_000)
    first = _load(folder)
    assert first.rows == {"orders": 1_000, "order_items": 2_000}
    assert _load(folder).rows == {}
    write_bench_data(folder, 20, first_item=1_000_000)
    assert _load(folder).rows == {"orders": 10, "order_items": 20}
    assert _counts() == {"orders": (1_010, 1_010), "order_items": (2_020, 2_020)}
