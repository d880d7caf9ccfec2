"""What the loader wrote: each source's tables and columns, read from dlt's schema stored in the warehouse.

dlt stores every version of a source's schema in ``_dlt_version`` of its dataset; the newest one describes
the tables as they are. Reading it there (rather than from local pipeline state) works on any machine that
can read the warehouse, on DuckDB and Postgres alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import dlt

from settings import dataset_of

from . import connection

# Tables dlt keeps for itself that are also dbt sources: the load log decides which rows count.
DLT_SOURCE_TABLES = ("_dlt_loads",)
DLT_PREFIX = "_dlt"
# The quarantine table is created at the first quarantined row; until then its shape is the declared one.
QUARANTINE_TABLE = "quarantine"
# What the columns dlt adds to data tables hold (dlt describes them in some schemas only).
DLT_COLUMN_MEANINGS = {
    "_dlt_load_id": "the load of this row, see `_dlt_loads.load_id`",
    "_dlt_id": "dlt's unique key of this row",
    "_dlt_parent_id": "`_dlt_id` of this row's parent row",
    "_dlt_root_id": "`_dlt_id` of this row's root-table row",
    "_dlt_list_idx": "position of this row in its parent's list",
}


@dataclass(frozen=True)
class LoadedColumn:
    """One column as dlt typed it: warehouse-neutral type, dlt's description and the hints worth knowing."""

    name: str
    data_type: str
    description: str = ""
    primary_key: bool = False

    @property
    def added_by_dlt(self) -> bool:
        """True for the columns dlt adds to data tables (``_dlt_load_id``, ``_dlt_id``, ...)."""
        return self.name.startswith(DLT_PREFIX)


@dataclass(frozen=True)
class LoadedTable:
    """One table of a dataset with its columns, by name."""

    name: str
    columns: dict[str, LoadedColumn]
    description: str = ""
    declared_only: bool = False  # not written yet: its columns come from the loader's declaration


def type_name(column: dict[str, Any]) -> str:
    """dlt's data type as one word for dbt's ``data_type``: naive and zoned timestamps differ."""
    data_type = str(column["data_type"])
    if data_type == "timestamp" and column.get("timezone", True):
        return "timestamptz"
    if data_type == "decimal" and column.get("precision") is not None:
        return f"decimal({column['precision']},{column.get('scale') or 0})"
    return data_type


def _loaded_column(column: dict[str, Any]) -> LoadedColumn:
    """A column of dlt's schema as a ``LoadedColumn``."""
    return LoadedColumn(
        name=column["name"],
        data_type=type_name(column),
        description=str(column.get("description") or ""),
        primary_key=bool(column.get("primary_key")),
    )


def _loaded_table(schema: dlt.Schema, name: str) -> LoadedTable:
    """One table of dlt's schema, complete columns only (those with a data type)."""
    table = schema.tables[name]
    columns = schema.get_table_columns(name)
    return LoadedTable(
        name=name,
        columns={column: _loaded_column(spec) for column, spec in columns.items()},
        description=str(table.get("description") or ""),
    )


def loaded_tables(schema: dlt.Schema) -> dict[str, LoadedTable]:
    """The tables dbt may read: data tables dlt has written, plus ``_dlt_loads``."""
    names = [table["name"] for table in schema.data_tables(seen_data_only=True)]
    names += [name for name in DLT_SOURCE_TABLES if name in schema.tables]
    return {name: _loaded_table(schema, name) for name in names}


def declared_quarantine() -> LoadedTable:
    """The quarantine table as the loader declares it, with the columns dlt adds to every root table."""
    from extract_load.ledger import QUARANTINE_COLUMNS

    columns = {name: LoadedColumn(name, type_name(spec)) for name, spec in QUARANTINE_COLUMNS.items()}
    for name in ("_dlt_load_id", "_dlt_id"):
        columns[name] = LoadedColumn(name, "text")
    return LoadedTable(QUARANTINE_TABLE, columns, declared_only=True)


def expected_tables(loaded: dict[str, LoadedTable], listed: Any) -> dict[str, LoadedTable]:
    """The tables dbt's YAML must list: what dlt loaded, plus a listed ``quarantine`` not written yet."""
    if QUARANTINE_TABLE in listed and QUARANTINE_TABLE not in loaded:
        return {**loaded, QUARANTINE_TABLE: declared_quarantine()}
    return loaded


def stored_schema(db: Any, dataset: str, schema_name: str) -> dlt.Schema:
    """The newest version of ``schema_name`` stored in ``dataset._dlt_version``."""
    sql = (
        f"select schema from {connection.quote(dataset, '_dlt_version')}"
        f" where schema_name = {connection.placeholder()} order by inserted_at desc limit 1"
    )
    try:
        rows = connection.fetch_all(db, sql, [schema_name])
    except Exception as error:  # the drivers raise their own classes for a missing schema or table
        raise RuntimeError(
            f"cannot read dlt's schemas in {dataset}: load the source first ({error})"
        ) from error
    if not rows:
        raise RuntimeError(f"{dataset}._dlt_version holds no schema {schema_name!r}: load the source first")
    return dlt.Schema.from_dict(json.loads(rows[0][0]), bump_version=False)


def read_loaded_tables(sources: list[str]) -> dict[str, dict[str, LoadedTable]]:
    """Per source, the tables its dataset holds according to dlt (one short read-only connection)."""
    with connection.connect(read_only=True) as db:
        found = {}
        for source in sources:
            found[source] = loaded_tables(stored_schema(db, dataset_of(source), source))
        return found
