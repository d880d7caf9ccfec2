"""Fail loudly when source column names collide after dlt normalises them (``User ID``/``userId``).

dlt maps every name to snake_case; two different source names that map to one column would be silently
merged into it, whether they meet in one row or in different rows or files of a run (``userId`` here,
``user_id`` there). The guard runs on every item before dlt sees it, checks each distinct set of keys once,
remembers the first source name of every column per table, and raises naming the table and the colliding
source names. A name that maps to one of dlt's own columns
(``_DLT_ID`` -> ``_dlt_id``, whose values dlt overwrites) collides with it; a name that maps to no
identifier at all (``__``) fails too, instead of failing the load later with a database error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pyarrow as pa
from dlt.common.normalizers.naming.snake_case import NamingConvention

_NAMING = NamingConvention()
# dlt's relational normaliser names an empty or blank key ``_empty`` and writes these columns itself.
EMPTY_KEY = "_empty"
DLT_COLUMNS = frozenset({"_dlt_id", "_dlt_load_id", "_dlt_parent_id", "_dlt_list_idx", "_dlt_root_id"})
DLT_OWN_COLUMN = "(dlt's own column)"
NO_NAME = "(no name)"


class ColumnNameCollisionError(ValueError):
    """Two or more source columns normalise to the same warehouse column."""

    def __init__(self, table: str, collisions: dict[str, list[str]], across_rows: bool = False) -> None:
        details = "; ".join(
            f"{', '.join(repr(name) for name in names)} -> {column!r}" for column, names in collisions.items()
        )
        where = " in different rows or files of this run" if across_rows else ""
        super().__init__(
            f"table {table!r}: source columns collide after normalisation{where} ({details}). "
            "Rename them at the source or map them explicitly before loading; nothing was loaded."
        )
        self.table = table
        self.collisions = collisions


def _column(name: str) -> str:
    """The column dlt gives one key: snake_case, ``_empty`` for an empty or blank key ("" for no name)."""
    return _NAMING.normalize_path(name) if name and not name.isspace() else EMPTY_KEY


def _path_column(path: tuple[str, ...]) -> str:
    """The column dlt gives a flattened key path ("" when a part of it has no name)."""
    parts = [_column(part) for part in path]
    return _NAMING.PATH_SEPARATOR.join(parts) if all(parts) else ""


def _collisions(named: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Warehouse column -> the distinct source names mapping to it, from (source name, column) pairs.

    A column of dlt's own, or a column without a name, collides with a single source name too.
    """
    by_column: dict[str, list[str]] = {}
    for name, column in named:
        if name not in by_column.setdefault(column, []):
            by_column[column].append(name)
    for column, names in by_column.items():
        if column in DLT_COLUMNS:
            names.append(DLT_OWN_COLUMN)
        elif not column:
            names.append(NO_NAME)
    return {column: names for column, names in by_column.items() if len(names) > 1}


def colliding_names(names: Iterable[str]) -> dict[str, list[str]]:
    """Normalised name -> the distinct source names that map to it, only where there are two or more."""
    return _collisions((name, _column(name)) for name in names)


def _flattened(item: Mapping[str, Any], path: tuple[str, ...] = ()) -> Iterable[tuple[str, ...]]:
    """Key paths as dlt flattens nested objects into ``a__b`` columns; lists become child tables, skipped."""
    for key, value in item.items():
        if isinstance(value, Mapping) and value:
            yield from _flattened(value, (*path, str(key)))
        else:
            yield (*path, str(key))


def _named_columns(item: Any) -> tuple[tuple[str, str], ...] | None:
    """(source name, warehouse column) for each column of an item: dict paths or Arrow field names."""
    if isinstance(item, Mapping):
        paths = tuple(_flattened(item))
        return tuple((".".join(path), _path_column(path)) for path in paths)
    if isinstance(item, pa.Table | pa.RecordBatch):
        return tuple((name, _NAMING.normalize_path(name)) for name in item.schema.names)
    return None


def _has_nested(item: Any) -> bool:
    """True when a dict item holds nested objects, whose keys may differ from row to row."""
    return isinstance(item, Mapping) and any(isinstance(value, Mapping) for value in item.values())


def _target_table(meta: Any, table: str) -> str:
    """The table an item goes to: the one its meta names (e.g. the quarantine), else the resource's."""
    name = getattr(meta, "table_name", None)
    hints = getattr(meta, "hints", None)
    if name is None and isinstance(hints, Mapping):
        name = hints.get("table_name")
    return name if isinstance(name, str) else table


def _earlier_collisions(
    named: Iterable[tuple[str, str]], first_names: dict[str, str]
) -> dict[str, list[str]]:
    """Columns whose source name differs from the first one seen for them; records the new ones."""
    collisions: dict[str, list[str]] = {}
    for name, column in named:
        first = first_names.setdefault(column, name)
        if first != name and name not in collisions.setdefault(column, [first]):
            collisions[column].append(name)
    return collisions


def column_name_guard(table: str) -> Callable[[Any, Any], Any]:
    """A map step for ``resource.add_map``: passes items through, raises on colliding column names.

    Names are compared within each item and with the first source name of each column seen in the run, per
    target table (an item marked for another table, such as the quarantine, is compared with that table's).
    """
    checked: set[tuple[str, tuple[str, ...]]] = set()
    first_names: dict[str, dict[str, str]] = {}

    def guard(item: Any, meta: Any = None) -> Any:
        shape = tuple(item) if isinstance(item, Mapping) else None
        if isinstance(item, pa.Table | pa.RecordBatch):
            shape = tuple(item.schema.names)
        target = _target_table(meta, table)
        if shape is None or ((target, shape) in checked and not _has_nested(item)):
            return item
        named = _named_columns(item) or ()
        collisions = _collisions(named)
        if collisions:
            raise ColumnNameCollisionError(target, collisions)
        collisions = _earlier_collisions(named, first_names.setdefault(target, {}))
        if collisions:
            raise ColumnNameCollisionError(target, collisions, across_rows=True)
        checked.add((target, shape))
        return item

    return guard
