"""Deterministic bench data, generated vectorised with NumPy and Arrow: orders and their items as Parquet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ITEMS_PER_ORDER = 2
FILE_ROWS = 1_000_000  # items per file: several files per drop, so extraction can run across files
SKUS = np.array([f"JAF-{n:03d}" for n in range(1, 6)] + [f"BEV-{n:03d}" for n in range(1, 6)])
PRICES = np.array([1100, 1200, 1400, 1600, 1700, 500, 600, 700, 400, 450], dtype=np.int64)
EPOCH = np.datetime64("2024-01-01T00:00:00", "us")


def _ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    """``<prefix><n>`` ids for an array of numbers, built by Arrow (no Python loop)."""
    text = pa.array(numbers).cast(pa.string())
    return pc.binary_join_element_wise(prefix, text, "")


def order_items_part(seed: int, first_item: int, n_items: int) -> tuple[pa.Table, pa.Table]:
    """Items ``first_item .. first_item + n_items`` and their orders; equal arguments give equal tables."""
    rng = np.random.default_rng([seed, first_item])
    item_numbers = np.arange(first_item, first_item + n_items, dtype=np.int64)
    order_numbers = item_numbers // ITEMS_PER_ORDER
    product = rng.integers(0, len(SKUS), n_items)
    items = pa.table(
        {
            "id": _ids("item-", item_numbers),
            "order_id": _ids("order-", order_numbers),
            "sku": pa.array(SKUS[product]),
        }
    )
    orders_here = np.unique(order_numbers)
    subtotal = np.bincount(order_numbers - orders_here[0], weights=PRICES[product]).astype(np.int64)
    tax = np.round(subtotal * 0.06).astype(np.int64)
    minutes = rng.integers(0, 365 * 24 * 60, len(orders_here))
    orders = pa.table(
        {
            "id": _ids("order-", orders_here),
            "customer_id": _ids("customer-", rng.integers(0, 1_000_000, len(orders_here))),
            "store_id": _ids("store-", rng.integers(0, 50, len(orders_here))),
            "ordered_at": pa.array(EPOCH + minutes.astype("timedelta64[m]")),
            "subtotal": pa.array(subtotal),
            "tax_paid": pa.array(tax),
            "order_total": pa.array(subtotal + tax),
        }
    )
    return orders, items


def write_bench_data(folder: Path, n_items: int, seed: int = 42, first_item: int = 0) -> dict[str, int]:
    """Write ``orders/*.parquet`` and ``order_items/*.parquet`` under ``folder``; return rows per table."""
    if n_items % ITEMS_PER_ORDER:
        raise ValueError(f"n_items must be a multiple of {ITEMS_PER_ORDER}")
    counts = {"orders": 0, "order_items": 0}
    for table in counts:
        (folder / table).mkdir(parents=True, exist_ok=True)
    for start in range(first_item, first_item + n_items, FILE_ROWS):
        size = min(FILE_ROWS, first_item + n_items - start)
        orders, items = order_items_part(seed, start, size)
        name = f"part-{start:012d}.parquet"
        pq.write_table(orders, folder / "orders" / name)
        pq.write_table(items, folder / "order_items" / name)
        counts["orders"] += orders.num_rows
        counts["order_items"] += items.num_rows
    return counts
