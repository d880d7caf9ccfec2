"""generate() writes a whole deterministic data set; append_orders() adds a later batch of orders."""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from demo.data.files import write_parquet
from demo.data.landing import (
    LOYALTY_EVENTS_AT_SCALE_1,
    STORE_EVENTS_AT_SCALE_1,
    TWEETS_AT_SCALE_1,
    loyalty_events_table,
    store_events_table,
    write_loyalty_events,
    write_store_events,
    write_supplier_prices,
    write_tweets,
)
from demo.data.manifest import build_manifest, order_totals, read_manifest, write_manifest
from demo.data.randomness import epoch_seconds, rng_for, streams, weighted_pick
from demo.data.reference import (
    ORDER_WINDOW_DAYS,
    ORDER_WINDOW_START,
    products_table,
    stores_table,
    supplies_table,
)
from demo.data.transactions import (
    CUSTOMERS_AT_SCALE_1,
    MIN_CUSTOMERS,
    ORDERS_AT_SCALE_1,
    customers_table,
    draw_times,
    minute_of_day_weights,
    opened_seconds,
    orders_and_items,
    scaled_count,
)

logger = logging.getLogger(__name__)

APPEND_STREAM_TAG = 7_001  # keeps append draws apart from generate()'s streams for the same seed
LOYALTY_STREAM_TAG = 7_002  # the loyalty drop's own stream: adding it left the other tables' draws unchanged


def generate(out_dir: Path, seed: int = 42, scale: float = 1.0) -> dict:
    """Write source/*.parquet, the landing file drops and source/manifest.json; return the manifest."""
    if not (isinstance(scale, int | float) and math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    out_dir = Path(out_dir)
    source_dir, landing_dir = out_dir / "source", out_dir / "landing"
    rngs = streams(seed)

    stores, products, supplies = stores_table(), products_table(), supplies_table()
    customers = customers_table(rngs["customers"], scaled_count(CUSTOMERS_AT_SCALE_1, scale, MIN_CUSTOMERS))
    n_orders = scaled_count(ORDERS_AT_SCALE_1, scale)
    times = draw_times(
        rngs["orders"], ORDER_WINDOW_START, ORDER_WINDOW_DAYS, opened_seconds(stores), n_orders
    )
    orders, items = orders_and_items(rngs["items"], times, customers, stores, products)
    source = {
        "customers": customers,
        "orders": orders,
        "items": items,
        "products": products,
        "stores": stores,
        "supplies": supplies,
    }
    files: list[Path] = []
    for name, table in source.items():
        path = source_dir / f"{name}.parquet"
        write_parquet(table, path)
        files.append(path)
        logger.debug("wrote %s (%d rows)", path, table.num_rows)

    n_tweets = scaled_count(TWEETS_AT_SCALE_1, scale)
    files += write_tweets(rngs["tweets"], orders, products, n_tweets, landing_dir / "tweets")
    n_prices, price_files = write_supplier_prices(
        rngs["supplier_prices"], supplies, landing_dir / "supplier_prices"
    )
    files += price_files
    events = store_events_table(
        rngs["store_events"],
        stores,
        ORDER_WINDOW_START,
        ORDER_WINDOW_DAYS,
        scaled_count(STORE_EVENTS_AT_SCALE_1, scale),
    )
    files += write_store_events(events, landing_dir / "store_events")
    loyalty = loyalty_events_table(
        rng_for(seed, LOYALTY_STREAM_TAG), orders, scaled_count(LOYALTY_EVENTS_AT_SCALE_1, scale)
    )
    files += write_loyalty_events(loyalty, landing_dir / "loyalty_events")

    landing_counts = {
        "tweets": n_tweets,
        "supplier_prices": n_prices,
        "store_events": events.num_rows,
        "loyalty_events": loyalty.num_rows,
    }
    manifest = build_manifest(seed, float(scale), source, landing_counts, files, out_dir)
    write_manifest(out_dir, manifest)
    return manifest


def append_times(rng: np.random.Generator, start: datetime, days: int, n: int) -> np.ndarray:
    """Return n sorted whole-minute epoch seconds on the `days` calendar days from start's day, not before
    start, within opening hours (or at any minute left on the day if start is after closing)."""
    midnight = datetime(start.year, start.month, start.day)
    skip = -(-(epoch_seconds(start) - epoch_seconds(midnight)) // 60)  # minutes before start, rounded up
    weights = np.tile(minute_of_day_weights(), days)
    weights[:skip] = 0.0
    if weights.sum() == 0:
        weights = np.ones(days * 1_440)
        weights[:skip] = 0.0
    minutes = np.sort(weighted_pick(rng, weights, n)).astype(np.int64)
    return epoch_seconds(midnight) + minutes * 60


def append_orders(out_dir: Path, seed: int, n_orders: int, start: datetime, days: int = 1) -> dict:
    """Append n_orders orders (with items) for existing customers, dated from start to the end of the
    `days`-th calendar day; return the updated manifest. Orders go only to stores open at ordered_at; the
    draws depend on seed, start and the number of orders present, so equal calls give equal bytes."""
    if n_orders < 1 or days < 1:
        raise ValueError("n_orders and days must be at least 1")
    out_dir = Path(out_dir)
    source_dir = out_dir / "source"
    manifest = read_manifest(out_dir)
    tables = {
        name: pq.read_table(source_dir / f"{name}.parquet") for name in ("customers", "stores", "products")
    }
    old_orders = pq.read_table(source_dir / "orders.parquet")
    old_items = pq.read_table(source_dir / "items.parquet")

    rng = rng_for(seed, APPEND_STREAM_TAG, epoch_seconds(start), old_orders.num_rows)
    times = append_times(rng, start, days, n_orders)
    new_orders, new_items = orders_and_items(
        rng, times, tables["customers"], tables["stores"], tables["products"]
    )
    if pc.any(pc.is_in(new_orders.column("id"), value_set=old_orders.column("id").combine_chunks())).as_py():
        raise RuntimeError("generated order id collides with an existing one")
    orders = pa.concat_tables([old_orders, new_orders])
    items = pa.concat_tables([old_items, new_items])
    write_parquet(orders, source_dir / "orders.parquet")
    write_parquet(items, source_dir / "items.parquet")

    manifest["row_counts"]["orders"] = orders.num_rows
    manifest["row_counts"]["items"] = items.num_rows
    manifest.update(order_totals(orders))
    end = datetime(start.year, start.month, start.day) + timedelta(days=days)
    manifest["appended_batches"].append(
        {
            "seed": seed,
            "orders": new_orders.num_rows,
            "items": new_items.num_rows,
            "start": start.isoformat(timespec="seconds"),
            "end": end.isoformat(timespec="seconds"),
            **{k: v for k, v in order_totals(new_orders).items() if k.endswith("_cents")},
        }
    )
    write_manifest(out_dir, manifest)
    return manifest
