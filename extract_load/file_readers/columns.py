"""Declared column types and required columns, applied to Arrow tables (vectorised) and to dict records.

A value that cannot be read as its column's declared type rejects its row; it never reaches dlt, so dlt
never has to create a variant column (``amount__v_text``) for it. Arrow casts whole columns; where a cast
fails, the column is halved until the failing ranges are short, and only those are read value by value with
the same rules as dict records (which also accept what Arrow does not, e.g. a timestamp with an offset).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dlt.common.normalizers.naming.snake_case import NamingConvention

from .value_shapes import ShapeMemory
from .wide_numbers import INT64, decimal_type, narrow_undeclared, to_decimal, undeclared_value

_NAMING = NamingConvention()
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")
_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})
_CAST_ERRORS = (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError)
FALLBACK_ROWS = 64  # a failing cast is halved down to ranges this long, which are then read value by value


class Declared(NamedTuple):
    """A column's declared dlt data type and the Arrow type it is read as."""

    data_type: str
    arrow: pa.DataType


def arrow_type(hint: Mapping[str, Any]) -> pa.DataType:
    """The Arrow type of a dlt column hint (text, bigint, double, decimal, bool, date or timestamp)."""
    data_type = hint["data_type"]
    if data_type == "timestamp":
        return pa.timestamp("us", tz=None if hint.get("timezone") is False else "UTC")
    if data_type == "decimal":
        return decimal_type(hint)
    simple = {
        "text": pa.string(),
        "bigint": pa.int64(),
        "double": pa.float64(),
        "bool": pa.bool_(),
        "date": pa.date32(),
    }
    if data_type not in simple:
        raise ValueError(f"declared data type {data_type!r} is not supported by the file readers")
    return simple[data_type]


@lru_cache(maxsize=4096)
def normalised(name: str) -> str:
    """The column name dlt will give a source name (snake_case)."""
    return _NAMING.normalize_path(name)


@dataclass(frozen=True)
class ColumnRules:
    """One table's declared types (by normalised column name) and the columns that must hold a value."""

    table: str
    types: Mapping[str, Declared] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    # the shape each undeclared column keeps for the run (one ColumnRules per table and run)
    shapes: ShapeMemory = field(default_factory=ShapeMemory, compare=False, hash=False)

    @classmethod
    def from_hints(
        cls, table: str, columns: Mapping[str, Mapping[str, Any]], primary_key: str | Sequence[str] = ()
    ) -> ColumnRules:
        """Rules from dlt column hints; key columns and hints with ``nullable: False`` are required."""
        keys = [primary_key] if isinstance(primary_key, str) else list(primary_key)
        required = {*keys, *(name for name, hint in columns.items() if hint.get("nullable") is False)}
        types = {
            normalised(name): Declared(hint["data_type"], arrow_type(hint))
            for name, hint in columns.items()
            if "data_type" in hint
        }
        return cls(table, types, frozenset(normalised(name) for name in required))

    def missing_required(self, names: Sequence[str]) -> list[str]:
        """Required columns that no source name maps to."""
        present = {normalised(name) for name in names}
        return sorted(self.required - present)


def _short(value: Any) -> str:
    """A value's repr cut to a readable length for a reason text."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _to_timestamp(value: Any, target: pa.TimestampType) -> datetime:
    """A datetime from a datetime, date or ISO 8601 string, in UTC when it carries an offset."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        raise TypeError
    if target.tz is None:
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _to_int(value: Any) -> int:
    """An int64 from an int, an integral float or decimal, or a string of digits."""
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        value = int(value)
    elif isinstance(value, str) and _INTEGER.fullmatch(value):
        value = int(value)
    if not isinstance(value, int) or not INT64[0] <= value <= INT64[1]:
        raise ValueError
    return value


def _to_value(value: Any, target: pa.DataType) -> Any:
    """``value`` as a Python value of the Arrow type ``target``; raises TypeError or ValueError."""
    if pa.types.is_string(target):
        if isinstance(value, str):
            return value
        if isinstance(value, Decimal):
            return format(value, "f")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise TypeError
    if pa.types.is_integer(target):
        return _to_int(value)
    if pa.types.is_decimal(target):
        return to_decimal(value, target)
    if pa.types.is_floating(target):
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise TypeError
        return float(value)
    if pa.types.is_boolean(target):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise TypeError
    if pa.types.is_date(target):
        if isinstance(value, datetime):
            raise TypeError
        return value if isinstance(value, date) else date.fromisoformat(value)
    if pa.types.is_timestamp(target):
        return _to_timestamp(value, target)
    raise TypeError


def _why_not(value: Any, declared: Declared) -> str:
    """Why a value that did not read as its declared type cannot: a nested value, or out of range."""
    if isinstance(value, Mapping | list | tuple):
        return " (a nested value where a single value belongs: it is not flattened into new columns)"
    if pa.types.is_integer(declared.arrow) and isinstance(value, int) and not isinstance(value, bool):
        return " (beyond the 64-bit integer range: declare the column as decimal or text to keep it)"
    if pa.types.is_decimal(declared.arrow):
        return f" (not exactly a {declared.arrow}: widen the declared precision or scale, or declare text)"
    return ""


def coerce(value: Any, name: str, declared: Declared) -> Any:
    """``value`` read as its declared type (None stays None); raises ValueError naming the column."""
    if value is None:
        return None
    try:
        return _to_value(value, declared.arrow)
    except (TypeError, ValueError, OverflowError, ArithmeticError):
        why = _why_not(value, declared)
        raise ValueError(
            f"column {name!r}: cannot read {_short(value)} as {declared.data_type}{why}"
        ) from None


def check_record(record: dict[str, Any], rules: ColumnRules) -> str | None:
    """Coerce a record's declared columns in place; the reason it must be rejected, or None."""
    filled: set[str] = set()
    undeclared: dict[str, Any] = {}
    for name, value in record.items():
        column = normalised(name)
        if value is None:
            continue
        filled.add(column)
        if isinstance(value, str) and "\x00" in value:
            return f"column {name!r}: NUL character in the value"
        declared = rules.types.get(column)
        if declared is not None:
            try:
                record[name] = coerce(value, name, declared)
            except ValueError as error:
                return str(error)
            continue
        clash = rules.shapes.clash(column, name, value)
        if clash:
            return clash
        undeclared[column] = value
        if isinstance(value, int | Decimal | dict | list):
            try:
                record[name] = undeclared_value(name, value)
            except ValueError as error:
                return str(error)
    missing = rules.required - filled
    if missing:
        return f"required column {sorted(missing)[0]!r} is missing or empty"
    rules.shapes.remember(undeclared)
    return None


def _positions(mask: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Row positions where a boolean array is true (nulls count as false)."""
    return np.flatnonzero(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))


def _text(column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """A column of text as plain strings (also when dictionary-encoded or a string view); None for others."""
    kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return pc.cast(column, pa.large_string())
    return None


def _failing_ranges(column: pa.Array, target: pa.DataType, offset: int = 0) -> list[tuple[int, int]]:
    """(start, stop) ranges holding every value Arrow cannot cast, found by halving down to FALLBACK_ROWS."""
    try:
        pc.cast(column, target)
        return []
    except _CAST_ERRORS:
        if len(column) <= FALLBACK_ROWS:
            return [(offset, offset + len(column))]
    half = len(column) // 2
    return _failing_ranges(column.slice(0, half), target, offset) + _failing_ranges(
        column.slice(half), target, offset + half
    )


def _cast_with_fallback(
    column: pa.ChunkedArray, name: str, declared: Declared
) -> tuple[pa.Array, dict[int, str]]:
    """A column cast by Arrow except in the small ranges where Arrow fails, which are read value by value."""
    array = column.combine_chunks()
    ranges = _failing_ranges(array, declared.arrow)
    positions = [position for start, stop in ranges for position in range(start, stop)]
    values, bad = [], {}
    for position, value in zip(
        positions, array.take(pa.array(positions, pa.int64())).to_pylist(), strict=True
    ):
        try:
            values.append(coerce(value, name, declared))
        except ValueError as error:
            values.append(None)
            bad[position] = str(error)
    if len(positions) == len(array):  # e.g. a type Arrow cannot cast at all
        return pa.array(values, declared.arrow), bad
    mask = np.zeros(len(array), dtype=bool)
    mask[positions] = True
    cleared = pc.if_else(pa.array(mask), pa.scalar(None, array.type), array)
    cast = pc.replace_with_mask(
        pc.cast(cleared, declared.arrow), pa.array(mask), pa.array(values, declared.arrow)
    )
    return cast, bad


def cast_table(table: pa.Table, rules: ColumnRules) -> tuple[pa.Table, dict[int, str]]:
    """The table with declared columns cast and bad rows removed, and each bad row's position and reason."""
    bad: dict[int, str] = {}
    columns = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        key = normalised(name)
        if key in rules.required and column.null_count:
            for position in _positions(pc.is_null(column)):
                bad.setdefault(int(position), f"required column {name!r} is empty")
        text = _text(column)
        if text is not None:
            for position in _positions(pc.match_substring(text, "\x00")):
                bad.setdefault(int(position), f"column {name!r}: NUL character in the value")
        declared = rules.types.get(key)
        if declared is None:
            column, errors = narrow_undeclared(column, name)
            for position, reason in errors.items():
                bad.setdefault(position, reason)
        elif column.type != declared.arrow:
            try:
                column = pc.cast(column, declared.arrow)
            except _CAST_ERRORS:
                column, errors = _cast_with_fallback(column, name, declared)
                for position, reason in errors.items():
                    bad.setdefault(position, reason)
        columns.append(column)
    fields = [
        pa.field(name, column.type, nullable=normalised(name) not in rules.required)
        for name, column in zip(table.column_names, columns, strict=True)
    ]
    cast = pa.Table.from_arrays(columns, schema=pa.schema(fields))
    if not bad:
        return cast, bad
    keep = np.ones(table.num_rows, dtype=bool)
    keep[list(bad)] = False
    return cast.filter(pa.array(keep)), dict(sorted(bad.items()))
