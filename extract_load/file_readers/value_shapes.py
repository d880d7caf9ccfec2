"""The shape an undeclared column keeps for a run: single values, objects or arrays, as its first value had.

dlt turns an object into columns of its own (``likes__count``) and an array into a child table, so an object
where earlier records held a number would load as new columns beside the number's, silently. A declared column
is checked against its type (``columns.check_record``); an undeclared one keeps the shape of the first value
that table's records gave it in the run, and a record whose value has another shape is quarantined, naming
the column and both shapes. The memory lasts one run: across runs dlt's stored schema decides (not checked).
"""

from __future__ import annotations

from typing import Any


def shape_of(value: Any) -> str:
    """``an object``, ``an array`` or ``a single value``."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "a single value"


class ShapeMemory:
    """Per normalised column name, the shape its first value had in this run (one table)."""

    def __init__(self) -> None:
        self._shapes: dict[str, str] = {}

    def clash(self, column: str, name: str, value: Any) -> str | None:
        """The reason a value's shape differs from the column's first one in this run, or None."""
        first = self._shapes.get(column)
        shape = shape_of(value)
        if first is None or first == shape:
            return None
        return (
            f"column {name!r}: {shape} where earlier records of this run hold {first} (an undeclared column keeps"
            " the shape of its first value; declare it to choose)"
        )

    def remember(self, shapes: dict[str, Any]) -> None:
        """Keep the shapes of an accepted record's values for the columns seen first in it."""
        for column, value in shapes.items():
            self._shapes.setdefault(column, shape_of(value))
