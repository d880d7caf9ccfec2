"""Customers, orders and items, drawn in whole arrays (no Python loop over rows)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from demo.data.randomness import (
    epoch_seconds,
    pick_open_stores,
    timestamps,
    uuid_strings,
    weighted_pick,
)
from demo.data.reference import (
    product_popularity,
    store_demand,
    store_tax_basis_points,
)

CUSTOMERS_AT_SCALE_1 = 935
ORDERS_AT_SCALE_1 = 61_948
MIN_CUSTOMERS = 10
ITEMS_PER_ORDER_P = np.array([0.70, 0.18, 0.08, 0.03, 0.01])  # 1..5 items, mean 1.47
WEEKDAY_FACTOR = np.array([1.0, 0.95, 0.95, 1.0, 1.15, 1.35, 1.25])  # Monday .. Sunday
OPEN_MINUTE, CLOSE_MINUTE = 7 * 60, 21 * 60  # orders between 07:00 and 20:59

FIRST_NAMES = (
    "Stephanie Michael Jennifer David Sarah James Emily Robert Jessica William Ashley Daniel Amanda Matthew "
    "Melissa Christopher Nicole Joshua Elizabeth Andrew Heather Ryan Rachel Brandon Lauren Kevin Megan Justin "
    "Rebecca Tyler Laura Aaron Danielle Jose Kimberly Adam Amy Nathan Angela Zachary Maria Kyle Olivia Noah "
    "Sofia Liam Chloe Mateo Priya Wei"
).split()
LAST_NAMES = (
    "Love Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez "
    "Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker "
    "Hall Rivera Campbell Mitchell Chen"
).split()

CUSTOMERS_SCHEMA = pa.schema([("id", pa.string()), ("name", pa.string())])
ORDERS_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("customer_id", pa.string()),
        ("store_id", pa.string()),
        ("ordered_at", pa.timestamp("us")),
        ("subtotal", pa.int64()),
        ("tax_paid", pa.int64()),
        ("order_total", pa.int64()),
    ]
)
ITEMS_SCHEMA = pa.schema([("id", pa.string()), ("order_id", pa.string()), ("sku", pa.string())])


def scaled_count(at_scale_1: int, scale: float, minimum: int = 1) -> int:
    """Return round(at_scale_1 * scale), never below minimum."""
    return max(minimum, round(at_scale_1 * scale))


def tax_cents(subtotal: np.ndarray, basis_points: np.ndarray) -> np.ndarray:
    """Return round-half-up(subtotal * rate) in exact integer arithmetic (rate = basis_points / 10000)."""
    return (subtotal * basis_points + 5_000) // 10_000


def customers_table(rng: np.random.Generator, n: int) -> pa.Table:
    """Return n customers with random UUIDs and first-last names."""
    first = pa.array(FIRST_NAMES).take(pa.array(rng.integers(0, len(FIRST_NAMES), n)))
    last = pa.array(LAST_NAMES).take(pa.array(rng.integers(0, len(LAST_NAMES), n)))
    names = pc.binary_join_element_wise(first, last, " ")
    return pa.table({"id": uuid_strings(rng, n), "name": names}, schema=CUSTOMERS_SCHEMA)


def minute_of_day_weights() -> np.ndarray:
    """Return weights over the 1440 minutes of a day: breakfast, lunch and after-work peaks."""
    minutes = np.arange(1440, dtype=np.float64)
    hour = minutes / 60
    weights = (
        0.6
        + 2.0 * np.exp(-0.5 * ((hour - 8.5) / 0.9) ** 2)
        + 2.6 * np.exp(-0.5 * ((hour - 12.5) / 1.0) ** 2)
        + 1.2 * np.exp(-0.5 * ((hour - 17.5) / 1.2) ** 2)
    )
    weights[(minutes < OPEN_MINUTE) | (minutes >= CLOSE_MINUTE)] = 0.0
    return weights


def day_weights(start: datetime, days: int, opened: np.ndarray) -> np.ndarray:
    """Return a weight per day: open stores' demand x weekday pattern x slow growth."""
    day_starts = epoch_seconds(start) + 86_400 * np.arange(days, dtype=np.int64)
    open_demand = ((opened[None, :] <= day_starts[:, None]) * store_demand()[None, :]).sum(axis=1)
    weekday = WEEKDAY_FACTOR[(day_starts // 86_400 + 3) % 7]  # 1970-01-01 was a Thursday
    growth = 1.0 + 0.4 * np.arange(days) / max(days, 1)
    return open_demand * weekday * growth


def draw_times(
    rng: np.random.Generator, start: datetime, days: int, opened: np.ndarray, n: int
) -> np.ndarray:
    """Return n sorted order times (epoch seconds, whole minutes) within the days after start."""
    midnight = datetime(start.year, start.month, start.day)
    day = weighted_pick(rng, day_weights(midnight, days, opened), n)
    minute = weighted_pick(rng, minute_of_day_weights(), n)
    day_start = epoch_seconds(midnight)
    return np.sort(day_start + day.astype(np.int64) * 86_400 + minute.astype(np.int64) * 60)


def opened_seconds(stores: pa.Table) -> np.ndarray:
    """Return each store's opened_at as epoch seconds."""
    micros = stores.column("opened_at").cast(pa.int64()).to_numpy()
    return micros // 1_000_000


def orders_and_items(
    rng: np.random.Generator,
    times: np.ndarray,
    customers: pa.Table,
    stores: pa.Table,
    products: pa.Table,
) -> tuple[pa.Table, pa.Table]:
    """Return orders at the given sorted times and their 1-5 items, with totals computed from the items."""
    n = len(times)
    store_idx = pick_open_stores(rng, times, opened_seconds(stores), store_demand())
    loyalty = rng.gamma(shape=0.9, scale=1.0, size=customers.num_rows)
    customer_idx = weighted_pick(rng, loyalty, n)
    counts = weighted_pick(rng, ITEMS_PER_ORDER_P, n) + 1
    item_order_idx = np.repeat(np.arange(n), counts)
    item_sku_idx = weighted_pick(rng, product_popularity(), len(item_order_idx))

    prices = products.column("price").to_numpy()
    starts = np.cumsum(counts) - counts
    subtotal = np.add.reduceat(prices[item_sku_idx], starts) if n else np.zeros(0, dtype=np.int64)
    tax_paid = tax_cents(subtotal, store_tax_basis_points()[store_idx])

    order_ids = uuid_strings(rng, n)
    orders = pa.table(
        {
            "id": order_ids,
            "customer_id": customers.column("id").take(pa.array(customer_idx)),
            "store_id": stores.column("id").take(pa.array(store_idx)),
            "ordered_at": timestamps(times),
            "subtotal": subtotal,
            "tax_paid": tax_paid,
            "order_total": subtotal + tax_paid,
        },
        schema=ORDERS_SCHEMA,
    )
    items = pa.table(
        {
            "id": uuid_strings(rng, len(item_order_idx)),
            "order_id": order_ids.take(pa.array(item_order_idx)),
            "sku": products.column("sku").take(pa.array(item_sku_idx)),
        },
        schema=ITEMS_SCHEMA,
    )
    return orders, items
