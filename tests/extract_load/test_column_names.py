"""Colliding source column names fail loudly instead of being merged into one column by dlt."""

from __future__ import annotations

import dlt
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


@pytest.mark.parametrize(
    "first, second, names",
    [
        ({"id": 1, "userId": 2}, {"id": 3, "user_id": 4}, ["userId", "user_id"]),
        (
            {"id": 1, "customer": {"Name": "a"}},
            {"id": 2, "customer__name": "b"},
            ["customer.Name", "customer__name"],
        ),
        (pa.table({"Order Total": [1]}), pa.table({"order_total": [2]}), ["Order Total", "order_total"]),
    ],
)
def test_names_that_normalise_alike_in_different_rows_collide(
    first: object, second: object, names: list
) -> None:
    guard = column_name_guard("orders")
    assert guard(first) is first
    with pytest.raises(
        ColumnNameCollisionError, match=r"collide after normalisation in different rows"
    ) as error:
        guard(second)
    assert list(error.value.collisions.values()) == [names]
    assert all(repr(name) in str(error.value) for name in names)


def test_one_spelling_in_every_row_passes() -> None:
    guard = column_name_guard("orders")
    rows = [{"id": n, "userId": n} for n in range(3)] + [{"id": 3, "userId": 3, "note": "new column"}]
    assert [guard(row) for row in rows] == rows


def test_items_for_another_table_are_compared_with_that_table_only() -> None:
    guard = column_name_guard("orders")
    guard({"id": 1, "Reason": "late"})
    quarantined = dlt.mark.with_hints([{"reason": "bad row"}], dlt.mark.make_hints(table_name="quarantine"))
    assert guard(quarantined.data[0], quarantined.meta) == {"reason": "bad row"}
    with pytest.raises(ColumnNameCollisionError, match=r"table 'quarantine'.*'reason', 'REASON'"):
        guard({"REASON": "x"}, quarantined.meta)
