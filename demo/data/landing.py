"""File drops in data/landing: tweets (JSON Lines, gzipped from 2017), supplier price lists (CSV), store events
(Parquet) and loyalty-card events (Avro)."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from demo.data.files import gzip_bytes, remove_matching, write_avro, write_bytes, write_parquet
from demo.data.randomness import (
    iso_strings,
    pick_open_stores,
    timestamps,
    uuid_strings,
    weighted_pick,
)
from demo.data.reference import store_demand
from demo.data.transactions import draw_times, opened_seconds

TWEETS_AT_SCALE_1 = 4_000
TWEETS_GZIP_FROM = "2017-01"  # the social-media export switched to gzip: both kinds of file land
STORE_EVENTS_AT_SCALE_1 = 30_000
LOYALTY_EVENTS_AT_SCALE_1 = 10_000
LOYALTY_REDEEM_P = 0.12  # share of loyalty events that redeem points instead of earning them
REDEEM_POINTS = 100  # a free drink
PRICE_LIST_DATES = (date(2016, 9, 1), date(2016, 12, 1), date(2017, 3, 1), date(2017, 6, 1))
SUPPLIERS = (
    "Keystone Packaging Co",
    "Green Leaf Provisions",
    "Harbor Street Foods",
    "Delaware Valley Dairy",
    "Bean There Roasters",
    "Orchard & Vine",
)
EVENT_TYPES = ("visit", "purchase", "complaint")
EVENT_TYPE_P = np.array([0.72, 0.23, 0.05])
# (text before the product name, text after it); one has quotes to exercise JSON escaping
TWEET_TEMPLATES = (
    ("just had the ", " and honestly wow"),
    ("", " for breakfast again. no regrets"),
    ("the queue for ", " was way too long today"),
    ("who else thinks ", " is underrated?"),
    ('tried the "', '" - 10/10 would jaffle again'),
    ("", " was cold when it got to me :("),
    ("treat yourself: ", " at the jaffle shop"),
)

STORE_EVENTS_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("store_id", pa.string()),
        ("event_type", pa.string()),
        ("occurred_at", pa.timestamp("us")),
    ]
)
PRICE_COLUMNS = ("supply_id", "sku", "supplier", "cost_cents", "valid_from")
LOYALTY_EVENTS_AVRO_SCHEMA = {
    "type": "record",
    "name": "LoyaltyEvent",
    "namespace": "jaffle_shop.loyalty",
    "fields": [
        {"name": "event_id", "type": "string"},
        {"name": "customer_id", "type": "string"},
        {"name": "store_id", "type": "string"},
        {"name": "event_type", "type": "string"},
        {"name": "points", "type": "long"},
        {"name": "occurred_at", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
    ],
}


def month_slices(seconds: np.ndarray) -> list[tuple[str, int, int]]:
    """Return (YYYY-MM, start, stop) row ranges of sorted epoch seconds, one per month."""
    months = np.asarray(seconds, dtype=np.int64).astype("datetime64[s]").astype("datetime64[M]")
    uniq, first = np.unique(months, return_index=True)
    stops = np.append(first[1:], len(months))
    return [(str(m), int(a), int(b)) for m, a, b in zip(uniq, first, stops, strict=True)]


def _json_fragment(text: str) -> str:
    """Return text escaped for use inside a JSON string literal."""
    return json.dumps(text)[1:-1]


def _lines_bytes(lines: pa.Array) -> bytes:
    """Return the concatenated UTF-8 bytes of a string array (each element already ends in a newline)."""
    if len(lines) == 0:
        return b""
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
    return lines.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]]


def tweet_lines(
    rng: np.random.Generator, orders: pa.Table, products: pa.Table, n: int
) -> tuple[np.ndarray, pa.Array]:
    """Return (sorted tweet times, JSON Lines array): customers tweet 1-120 minutes after an order."""
    ordered = orders.column("ordered_at").cast(pa.int64()).to_numpy() // 1_000_000
    source = rng.integers(0, len(ordered), n)
    times = ordered[source] + rng.integers(60, 7_200, n)
    order = np.argsort(times, kind="stable")
    source, times = source[order], times[order]
    template = rng.integers(0, len(TWEET_TEMPLATES), n)
    product = rng.integers(0, products.num_rows, n)
    before = pa.array([_json_fragment(t[0]) for t in TWEET_TEMPLATES]).take(pa.array(template))
    after = pa.array([_json_fragment(t[1]) for t in TWEET_TEMPLATES]).take(pa.array(template))
    name = pa.array([_json_fragment(v) for v in products.column("name").to_pylist()]).take(pa.array(product))
    pieces = [
        '{"id": "',
        uuid_strings(rng, n).combine_chunks(),
        '", "user_id": "',
        orders.column("customer_id").take(pa.array(source)).combine_chunks(),
        '", "tweeted_at": "',
        iso_strings(times),
        '", "content": "',
        before,
        name,
        after,
        '"}\n',
    ]
    lines = pc.binary_join_element_wise(*pieces, "")
    return times, lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines


def write_tweets(
    rng: np.random.Generator, orders: pa.Table, products: pa.Table, n: int, folder: Path
) -> list:
    """Write tweets_YYYY-MM.jsonl files (.jsonl.gz from TWEETS_GZIP_FROM on); return the paths written."""
    remove_matching(folder, "tweets_*.jsonl")
    remove_matching(folder, "tweets_*.jsonl.gz")
    times, lines = tweet_lines(rng, orders, products, n)
    written = []
    for month, start, stop in month_slices(times):
        data = _lines_bytes(lines.slice(start, stop - start))
        if month >= TWEETS_GZIP_FROM:
            path, data = folder / f"tweets_{month}.jsonl.gz", gzip_bytes(data)
        else:
            path = folder / f"tweets_{month}.jsonl"
        write_bytes(data, path)
        written.append(path)
    return written


def price_lists(rng: np.random.Generator, supplies: pa.Table) -> dict[date, list[tuple]]:
    """Return CSV rows per valid_from date: every supply row with a drifting cost and a fixed supplier."""
    ids, skus = supplies.column("id").to_pylist(), supplies.column("sku").to_pylist()
    supply_ids = sorted(set(ids))
    supplier_of = dict(
        zip(supply_ids, (SUPPLIERS[i] for i in rng.integers(0, len(SUPPLIERS), len(supply_ids))), strict=True)
    )
    steps = rng.normal(0.01, 0.03, size=(len(PRICE_LIST_DATES), len(supply_ids)))
    drift = np.cumprod(1.0 + steps, axis=0)[:, np.searchsorted(supply_ids, ids)]  # one drift per supply id
    base = supplies.column("cost").to_numpy().astype(np.float64)
    costs = np.maximum(1, np.rint(base * drift)).astype(np.int64)
    return {
        valid_from: [
            (sid, sku, supplier_of[sid], int(cost), valid_from.isoformat())
            for sid, sku, cost in zip(ids, skus, costs[k], strict=True)
        ]
        for k, valid_from in enumerate(PRICE_LIST_DATES)
    }


def write_supplier_prices(rng: np.random.Generator, supplies: pa.Table, folder: Path) -> tuple[int, list]:
    """Write prices_YYYY-MM-DD.csv files; return (rows written, paths)."""
    remove_matching(folder, "prices_*.csv")
    rows_written, written = 0, []
    for valid_from, rows in price_lists(rng, supplies).items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(PRICE_COLUMNS)
        writer.writerows(rows)
        path = folder / f"prices_{valid_from.isoformat()}.csv"
        write_bytes(buffer.getvalue().encode("utf-8"), path)
        rows_written += len(rows)
        written.append(path)
    return rows_written, written


def store_events_table(
    rng: np.random.Generator, stores: pa.Table, start: datetime, days: int, n: int
) -> pa.Table:
    """Return n store events in open stores, sorted by occurred_at."""
    opened = opened_seconds(stores)
    times = draw_times(rng, start, days, opened, n) + rng.integers(0, 60, n)
    times = np.sort(times)
    store_idx = pick_open_stores(rng, times, opened, store_demand())
    event_type = weighted_pick(rng, EVENT_TYPE_P, n)
    return pa.table(
        {
            "event_id": uuid_strings(rng, n),
            "store_id": stores.column("id").take(pa.array(store_idx)),
            "event_type": pa.array(EVENT_TYPES).take(pa.array(event_type)),
            "occurred_at": timestamps(times),
        },
        schema=STORE_EVENTS_SCHEMA,
    )


def write_store_events(events: pa.Table, folder: Path) -> list:
    """Write events_YYYY-MM.parquet files; return the paths written."""
    remove_matching(folder, "events_*.parquet")
    seconds = events.column("occurred_at").cast(pa.int64()).to_numpy() // 1_000_000
    written = []
    for month, start, stop in month_slices(seconds):
        path = folder / f"events_{month}.parquet"
        write_parquet(events.slice(start, stop - start), path)
        written.append(path)
    return written


def _loyalty_points(customers: list[str], wants_redeem: np.ndarray, earned: np.ndarray) -> np.ndarray:
    """Points per event in time order: a redemption only when the member's balance covers it, else an earn."""
    balance: dict[str, int] = defaultdict(int)
    points = np.empty(len(customers), dtype=np.int64)
    for i, customer in enumerate(customers):
        redeem = wants_redeem[i] and balance[customer] >= REDEEM_POINTS
        points[i] = -REDEEM_POINTS if redeem else earned[i]
        balance[customer] += int(points[i])
    return points


def loyalty_events_table(rng: np.random.Generator, orders: pa.Table, n: int) -> pa.Table:
    """Return up to n loyalty-card events at distinct orders, sorted by time: the member earns a point per
    whole dollar of the order, or redeems REDEEM_POINTS for a free drink when the balance covers it."""
    n = min(n, orders.num_rows)
    picked = rng.choice(orders.num_rows, size=n, replace=False)
    seconds = orders.column("ordered_at").cast(pa.int64()).to_numpy()[picked] // 1_000_000
    picked = pa.array(picked[np.argsort(seconds, kind="stable")])
    wants_redeem = rng.random(n) < LOYALTY_REDEEM_P
    earned = orders.column("order_total").take(picked).to_numpy() // 100
    customers = orders.column("customer_id").take(picked)
    points = _loyalty_points(customers.to_pylist(), wants_redeem, earned)
    return pa.table(
        {
            "event_id": uuid_strings(rng, n),
            "customer_id": customers,
            "store_id": orders.column("store_id").take(picked),
            "event_type": pa.array(np.where(points < 0, "redeem", "earn")),
            "points": pa.array(points),
            "occurred_at": orders.column("ordered_at").take(picked),
        }
    )


def write_loyalty_events(events: pa.Table, folder: Path) -> list:
    """Write loyalty_YYYY-MM.avro files (naive times as local-timestamp-micros); return the paths written."""
    remove_matching(folder, "loyalty_*.avro")
    micros = events.column("occurred_at").cast(pa.timestamp("us")).cast(pa.int64())
    records = events.set_column(events.schema.get_field_index("occurred_at"), "occurred_at", micros)
    written = []
    for month, start, stop in month_slices(micros.to_numpy() // 1_000_000):
        path = folder / f"loyalty_{month}.avro"
        write_avro(records.slice(start, stop - start).to_pylist(), LOYALTY_EVENTS_AVRO_SCHEMA, path)
        written.append(path)
    return written
