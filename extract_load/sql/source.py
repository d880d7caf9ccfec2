"""A declared database (any SQLAlchemy URL) as a dlt source: changed rows only, as Arrow tables.

Each table is read incrementally on its cursor column and merged on its primary key, so an updated row
replaces its earlier version in the warehouse. Rows stamped exactly at the previous cursor are deduplicated
by dlt on their primary key; with a lag, the last ``lag`` seconds are re-read every run (catching late
commits) and the merge makes that re-read harmless.

The declared schema contract applies to the whole source. With ``columns: freeze`` (the demo's), a column
added upstream fails the extract loudly, before anything is loaded, and the cursor does not move, instead of
flowing silently into raw and never reaching staging. To accept it, add it to staging and reload that table
in full (run with ``refresh="drop_resources"`` on that resource), so every row carries the new column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import dlt
import pyarrow as pa
from dlt.extract import DltSource
from dlt.extract.items_transform import MapItem
from dlt.sources import DltResource
from dlt.sources.sql_database import sql_table

from ..column_hints import naive_timestamp
from ..column_names import column_name_guard
from ..ledger import RowLedger
from .declaration import SqlDeclaration


class AfterIncremental(MapItem):
    """A map step dlt places after the incremental filter, which otherwise keeps itself the last step."""

    placement_affinity: ClassVar[float] = 1.05  # the incremental step has 1, ``add_limit`` 1.1


def _row_counter(ledger: RowLedger, table: str) -> Callable[[Any], Any]:
    """A map step counting the rows of each item (an Arrow table or batch, or one record) into the ledger."""

    def count(item: Any) -> Any:
        ledger.count_read(table, item.num_rows if isinstance(item, pa.Table | pa.RecordBatch) else 1)
        return item

    return count


def sql_table_resource(
    credentials: str,
    table: str,
    spec: dict[str, Any],
    lag_seconds: float | None = None,
    chunk_size: int | None = None,
    ledger: RowLedger | None = None,
) -> DltResource:
    """One declared table read with the pyarrow backend, incremental on its cursor, merged on its key."""
    lag = spec["lag"] if lag_seconds is None else lag_seconds
    cursor = spec["cursor"]
    resource = sql_table(
        credentials=credentials,
        table=table,
        backend="pyarrow",
        chunk_size=chunk_size or spec["chunk_size"],
        reflection_level="full",
        incremental=dlt.sources.incremental(cursor, lag=lag or None) if cursor else None,
        write_disposition=spec["write_disposition"],
        primary_key=spec["primary_key"],
    )
    resource.apply_hints(columns={column: naive_timestamp() for column in spec["naive_timestamps"]})
    resource.add_map(column_name_guard(table))
    if ledger is not None:
        # After the filter: rows re-read at the cursor and dropped by its deduplication are not counted, as
        # they are not loaded either (a plain ``add_map`` would run before the filter and count them).
        resource.add_step(AfterIncremental(_row_counter(ledger, table)))
    return resource


def _tables(
    declaration: SqlDeclaration,
    ledger: RowLedger | None,
    credentials: str = dlt.secrets.value,
    lag_seconds: float | None = None,
    chunk_size: int | None = None,
) -> list[DltResource]:
    """One resource per declared table; ``credentials`` is a SQLAlchemy URL (a secret); ``lag_seconds`` and
    ``chunk_size``, given or configured (``sources.<name>.lag_seconds``), override the declared ones."""
    return [
        sql_table_resource(credentials, table, spec, lag_seconds, chunk_size, ledger)
        for table, spec in declaration.tables.items()
    ]


def build_sql_source(
    declaration: SqlDeclaration,
    credentials: str | None = None,
    ledger: RowLedger | None = None,
    lag_seconds: float | None = None,
    chunk_size: int | None = None,
) -> DltSource:
    """The dlt source of a ``sql_database.yaml``; credentials default to ``sources.<name>.credentials``.

    ``lag_seconds`` and ``chunk_size`` (else ``sources.<name>.lag_seconds`` and ``.chunk_size``) override the
    declared ones for every table.
    """
    factory = dlt.source(
        _tables, name=declaration.name, section=declaration.name, schema_contract=declaration.schema_contract
    )
    given = {"credentials": credentials, "lag_seconds": lag_seconds, "chunk_size": chunk_size}
    return factory(declaration, ledger, **{key: value for key, value in given.items() if value is not None})
