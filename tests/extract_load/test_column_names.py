"""Colliding source column names fail loudly instead of being merged into one column by dlt."""

from __future__ import annotations

import pyarrow as pa
import pytest

from extract_load.column_names import ColumnNameCollisionError, colliding_names, column_name_guard


def test_names_that_normalise_alike_are_reported_together() -> None:
    assert colliding_names(["User ID", "user_id", "userId", "amount"]) == {
        "user_id": ["User ID", "user_id", "userId"]
    }
    assert colliding_names(["id", "name", "ordered_at"]) == {}


@pytest.mark.parametrize(
    "item",
    [
        {"User ID": 1, "userId": 2},
        {"customer": {"Name": "a", "name": "b"}},
        {"customer__name": "a", "customer": {"name": "b"}},
        pa.table({"Order Total": [1], "order_total": [2]}),
    ],
)
def test_the_guard_raises_naming_table_and_columns(item: object) -> None:
    guard = column_name_guard("orders")
    with pytest.raises(ColumnNameCollisionError, match=r"table 'orders': source columns collide") as error:
        guard(item)
    assert all(name in str(error.value) for names in error.value.collisions.values() for name in names)


def test_the_guard_passes_clean_items_through_unchanged() -> None:
    guard = column_name_guard("orders")
    item = {"id": 1, "customer": {"id": 2, "name": "x"}, "items": [{"Sku": 1, "sku": 2}]}
    assert guard(item) is item  # lists become child tables: their names are checked by their own rows
    table = pa.table({"id": [1]})
    assert guard(table) is table
