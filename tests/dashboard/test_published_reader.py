"""The pandas reader (``published``) against SQL on the same published data, on DuckDB and Postgres.

It shares the dashboard tests' demo run (one per engine): the dashboard reads through it.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

import published
from engines import NothingPublished, current_engine


def _sql(sql: str, parameters: tuple = ()) -> list[tuple]:
    """Rows of a query on the published data, straight through the engine's reader connection."""
    engine = current_engine()
    with engine.published_reader() as connection:
        return engine.fetch_all(connection, sql.replace("?", engine.placeholder), parameters)


def test_the_tables_are_the_published_ones(dashboard_env: dict) -> None:
    names = published.tables()
    assert {"orders", "customers", "order_items", "store_daily_revenue", "publication"} <= set(names)
    assert names == sorted(names)


def test_a_table_equals_its_rows_in_sql(dashboard_env: dict) -> None:
    orders = published.read_table("orders")
    rows = _sql("select order_id, order_total, ordered_at from published.orders")
    assert len(orders) == len(rows) > 0
    by_id = {order_id: (total, ordered_at) for order_id, total, ordered_at in rows}
    assert dict(
        zip(orders["order_id"], zip(orders["order_total"], orders["ordered_at"], strict=True), strict=True)
    ) == {order_id: (total, pd.Timestamp(ordered_at)) for order_id, (total, ordered_at) in by_id.items()}
    assert isinstance(orders["order_total"].iloc[0], Decimal), "money stays exact"
    assert pd.api.types.is_datetime64_any_dtype(orders["ordered_at"])


def test_the_readme_question_equals_sql(dashboard_env: dict) -> None:
    orders = published.read_table("orders")
    revenue = orders.groupby(orders["ordered_at"].dt.to_period("M"))["order_total"].sum()
    expected = _sql(
        "select extract(year from ordered_at) as y, extract(month from ordered_at) as m, sum(order_total)"
        " from published.orders group by 1, 2"
    )
    assert {(period.year, period.month): total for period, total in revenue.items()} == {
        (int(y), int(m)): total for y, m, total in expected
    }


def test_a_query_binds_its_parameters(dashboard_env: dict) -> None:
    [(customer_id,)] = _sql("select min(customer_id) from published.orders")
    frame = published.read_sql("select order_id from published.orders where customer_id = ?", [customer_id])
    expected = _sql("select order_id from published.orders where customer_id = ?", (customer_id,))
    assert sorted(frame["order_id"]) == sorted(order_id for (order_id,) in expected) != []
    hostile = published.read_sql(
        "select count(*) as n from published.orders where customer_id = ?", ["x' or '1'='1"]
    )
    assert int(hostile["n"].iloc[0]) == 0


def test_arrow_and_column_choice(dashboard_env: dict) -> None:
    table = published.read_arrow("customers", columns=["customer_id", "lifetime_spend"])
    assert isinstance(table, pa.Table) and table.column_names == ["customer_id", "lifetime_spend"]
    [(count, spend)] = _sql("select count(*), sum(lifetime_spend) from published.customers")
    assert table.num_rows == count
    assert pa.types.is_decimal(table.schema.field("lifetime_spend").type)
    assert sum(table.column("lifetime_spend").to_pylist()) == spend


def test_an_unknown_table_is_a_clear_error(dashboard_env: dict) -> None:
    with pytest.raises(NothingPublished, match="no published table 'nope'; published: .*orders"):
        published.read_table("nope")
