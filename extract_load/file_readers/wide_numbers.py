"""Numbers wider than a warehouse column: integers beyond int64, unsigned 64-bit columns and wide decimals.

A declared ``decimal`` column takes a value only when it fits its precision and scale exactly (never rounded).
An undeclared value must fit what dlt would infer for it: an integer fits int64, a decimal fits dlt's default
decimal(38, 9); an unsigned 64-bit Arrow column is narrowed to int64 and an Arrow decimal wider than 38 digits
to decimal(38, s). A value that does not fit rejects its row with a reason naming the column; the rows that
fit load as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dlt.common.arithmetics import DEFAULT_NUMERIC_PRECISION, DEFAULT_NUMERIC_SCALE

INT64 = (-(2**63), 2**63 - 1)
MAX_PRECISION = 38  # the widest decimal the warehouses take (DuckDB's DECIMAL, dlt's default)
DECLARE = "declare the column as decimal or text to keep it"


def decimal_type(hint: Mapping[str, Any]) -> pa.Decimal128Type:
    """The Arrow decimal of a dlt ``decimal`` hint (dlt's default precision and scale when unset)."""
    precision = hint.get("precision") or DEFAULT_NUMERIC_PRECISION
    scale = DEFAULT_NUMERIC_SCALE if hint.get("scale") is None else hint["scale"]
    if not 0 < precision <= MAX_PRECISION or not 0 <= scale <= precision:
        raise ValueError(
            f"decimal precision {precision} and scale {scale} are not supported: "
            f"precision must be 1 to {MAX_PRECISION} and scale 0 to the precision"
        )
    return pa.decimal128(precision, scale)


def exact_decimal(value: Decimal, precision: int, scale: int) -> Decimal | None:
    """The decimal with at most ``scale`` fractional digits, or None when it does not fit exactly.

    Trailing fractional zeros beyond the scale are dropped: a warehouse reads a literal of more than 38 digits
    as a float, so ``1.500000000000`` (13 digits) is kept as ``1.500000000``.
    """
    if not value.is_finite():
        return None
    sign, digits, exponent = value.as_tuple()
    kept = len(digits)
    while exponent < -scale and kept > 1 and digits[kept - 1] == 0:
        kept, exponent = kept - 1, exponent + 1
    integer_digits = 0 if not any(digits) else max(kept + exponent, 0)
    if -exponent > scale or integer_digits > precision - scale:
        return None
    return value if kept == len(digits) else Decimal((sign, digits[:kept], exponent))


def to_decimal(value: Any, target: pa.Decimal128Type) -> Decimal:
    """A value (int, Decimal, numeric string or float) as a decimal that fits ``target`` exactly."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise TypeError
    try:
        number = Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation:
        raise ValueError from None
    exact = exact_decimal(number, target.precision, target.scale)
    if exact is None:
        raise ValueError
    return exact


def undeclared_value(name: str, value: Any) -> Any:
    """An undeclared value (nested ones too) as it can load with the type dlt infers; raises ValueError why not.

    An integer must fit int64, a decimal dlt's default decimal(38, 9) (it is trimmed to that scale).
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if INT64[0] <= value <= INT64[1]:
            return value
        raise ValueError(f"column {name!r}: {value} is beyond the 64-bit integer range ({DECLARE})")
    if isinstance(value, Decimal):
        exact = exact_decimal(value, DEFAULT_NUMERIC_PRECISION, DEFAULT_NUMERIC_SCALE)
        if exact is not None:
            return exact
        default = f"decimal({DEFAULT_NUMERIC_PRECISION}, {DEFAULT_NUMERIC_SCALE})"
        raise ValueError(
            f"column {name!r}: {value:f} does not fit the default {default} ({DECLARE} with its precision)"
        )
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = undeclared_value(f"{name}.{key}", item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = undeclared_value(f"{name}.{index}", item)
    return value


def narrow_undeclared(column: pa.ChunkedArray, name: str) -> tuple[pa.ChunkedArray, dict[int, str]]:
    """An undeclared uint64 or over-38-digit decimal column narrowed, and the rows whose value does not fit."""
    if pa.types.is_uint64(column.type):
        too_big = pc.fill_null(pc.greater(column, pa.scalar(INT64[1], pa.uint64())), False)
        target: pa.DataType = pa.int64()
    elif pa.types.is_decimal(column.type) and column.type.precision > MAX_PRECISION:
        target = pa.decimal128(MAX_PRECISION, min(column.type.scale, MAX_PRECISION))
        limit = Decimal(10) ** (target.precision - target.scale)
        too_big = pc.fill_null(pc.greater_equal(pc.abs(column), pa.scalar(limit, column.type)), False)
    else:
        return column, {}
    positions = np.flatnonzero(too_big.to_numpy(zero_copy_only=False))
    if target == pa.int64():
        beyond = f"is beyond the 64-bit integer range ({DECLARE})"
    else:
        beyond = f"does not fit {target}, the widest decimal (declare the column as text to keep it)"
    bad = {
        int(position): f"column {name!r}: {column[int(position)].as_py()} {beyond}" for position in positions
    }
    cleared = pc.if_else(too_big, pa.scalar(None, column.type), column) if bad else column
    return pc.cast(cleared, target), bad
