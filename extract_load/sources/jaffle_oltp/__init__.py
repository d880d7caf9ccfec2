"""The shop's operational database (any SQLAlchemy URL) as a dlt source: changed rows only, as Arrow tables.

Each table is read incrementally on ``updated_at`` and merged on its primary key, so an updated row replaces
its earlier version in the warehouse. Rows stamped exactly at the previous cursor are deduplicated by dlt on
their primary key; with a lag, the last ``lag_seconds`` are re-read every run (catching late commits) and the
merge makes that re-read harmless.

Schema contract: new tables evolve, new columns and type changes freeze. These are curated operational tables
read in full (``select *``), so a column added upstream would otherwise flow silently into raw and never reach
staging, and a retyped column would split into a variant column; freezing fails the extract loudly instead,
before anything is loaded, and the cursor does not move. To accept it, add it to staging and reload that
table in full (run with ``refresh="drop_resources"`` on that resource), so every row carries the new column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import dlt
import pyarrow as pa
from dlt.extract.items_transform import MapItem
from dlt.sources import DltResource
from dlt.sources.sql_database import sql_table

from ...column_names import column_name_guard
from ...ledger import RowLedger
from .settings import CHUNK_SIZE, CURSOR_COLUMN, LAG_SECONDS, SCHEMA_CONTRACT, TABLES, timestamp_hints


class AfterIncremental(MapItem):
    """A map step dlt places after the incremental filter, which otherwise keeps itself the last step."""

    placement_affinity: ClassVar[float] = 1.05  # the incremental step has 1, ``add_limit`` 1.1


def _row_counter(ledger: RowLedger, table: str) -> Callable[[Any], Any]:
    """A map step counting the rows of each item (an Arrow table or batch, or one record) into the ledger."""

    def count(item: Any) -> Any:
        ledger.count_read(table, item.num_rows if isinstance(item, pa.Table | pa.RecordBatch) else 1)
        return item

    return count


def oltp_table(
    credentials: str,
    table: str,
    lag_seconds: float = LAG_SECONDS,
    chunk_size: int = CHUNK_SIZE,
    ledger: RowLedger | None = None,
) -> DltResource:
    """One table read with the pyarrow backend, incremental on ``updated_at``, merged on its primary key."""
    resource = sql_table(
        credentials=credentials,
        table=table,
        backend="pyarrow",
        chunk_size=chunk_size,
        reflection_level="full",
        incremental=dlt.sources.incremental(CURSOR_COLUMN, lag=lag_seconds or None),
        write_disposition="merge",
        primary_key=TABLES[table]["primary_key"],
    )
    resource.apply_hints(columns=timestamp_hints(table))
    resource.add_map(column_name_guard(table))
    if ledger is not None:
        # After the filter: rows re-read at the cursor and dropped by its deduplication are not counted, as
        # they are not loaded either (a plain ``add_map`` would run before the filter and count them).
        resource.add_step(AfterIncremental(_row_counter(ledger, table)))
    return resource


@dlt.source(name="jaffle_oltp", schema_contract=SCHEMA_CONTRACT)
def jaffle_oltp_source(
    credentials: str = dlt.secrets.value,
    lag_seconds: float = LAG_SECONDS,
    chunk_size: int = CHUNK_SIZE,
    ledger: RowLedger | None = None,
) -> Any:
    """Employees, shifts and inventory levels; ``credentials`` is a SQLAlchemy URL (a secret)."""
    return [oltp_table(credentials, table, lag_seconds, chunk_size, ledger) for table in TABLES]
