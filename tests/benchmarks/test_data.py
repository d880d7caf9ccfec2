"""The bench's data generator: deterministic, vectorised, orders consistent with their items."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from benchmarks.data import order_items_part, write_bench_data


def test_equal_arguments_give_equal_tables():
    """The same seed and range give the same rows; another seed gives other products."""
    assert order_items_part(7, 0, 1_000)[1].equals(order_items_part(7, 0, 1_000)[1])
    assert not order_items_part(7, 0, 1_000)[1].equals(order_items_part(8, 0, 1_000)[1])


def test_order_totals_match_their_items():
    """Each order's total is its subtotal plus tax, and there are half as many orders as items."""
    orders, items = order_items_part(1, 0, 2_000)
    assert orders.num_rows == items.num_rows // 2
    assert pc.all(pc.equal(orders["order_total"], pc.add(orders["subtotal"], orders["tax_paid"]))).as_py()
    assert set(pc.unique(items["order_id"]).to_pylist()) == set(orders["id"].to_pylist())


def test_a_later_batch_adds_new_ids_in_new_files(tmp_path: Path):
    """Appending after the first batch writes new files whose ids do not repeat earlier ones."""
    assert write_bench_data(tmp_path, 1_000) == {"orders": 500, "order_items": 1_000}
    write_bench_data(tmp_path, 20, first_item=1_000)
    ids = pq.read_table(tmp_path / "order_items")["id"]
    assert len(list((tmp_path / "order_items").glob("*.parquet"))) == 2
    assert pc.count_distinct(ids).as_py() == ids.length() == 1_020
