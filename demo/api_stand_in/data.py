"""The stand-in's data: source/*.parquet in an in-memory DuckDB, with stable page ranges and record look-ups."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import duckdb
import numpy as np

ISO = "'%Y-%m-%dT%H:%M:%S'"  # strftime pattern used in the queries below

# Each table gets `rn`, its 1-based position in the stable order the API pages by (orders: ordered_at, id;
# the rest: their key). Tables are stored in rn order, so a page is a cheap `rn between ? and ?` range.
LOAD_SQL = {
    "customers": "create table customers as select id, name, row_number() over (order by id) as rn "
    "from read_parquet(?) order by rn",
    "orders": "create table orders as select id, customer_id, store_id, ordered_at, subtotal, tax_paid, "
    "order_total, row_number() over (order by ordered_at, id) as rn from read_parquet(?) order by rn",
    "items": "create table items as select i.id, i.order_id, i.sku, row_number() over (order by i.id) as rn, "
    "o.rn as order_rn from read_parquet(?) as i left join orders as o on o.id = i.order_id "
    "order by order_rn, i.id",
    "products": "create table products as select sku, name, type, price, description, "
    "row_number() over (order by sku) as rn from read_parquet(?) order by rn",
    "stores": "create table stores as select id, name, opened_at, tax_rate, "
    "row_number() over (order by id) as rn from read_parquet(?) order by rn",
    "supplies": "create table supplies as select id, name, cost, perishable, sku, "
    "row_number() over (order by id, sku) as rn from read_parquet(?) order by rn",
}
ENTITIES = tuple(LOAD_SQL)  # load order matters: items joins orders

PAGE_SQL = {
    "customers": "select id, name from customers where rn between ? and ? order by rn",
    "orders": "select id, customer_id, store_id, strftime(ordered_at, " + ISO + ") as ordered_at, subtotal, "
    "tax_paid, order_total from orders where rn between ? and ? order by rn",
    "items": "select id, order_id, sku from items where rn between ? and ? order by rn",
    "products": "select sku, name, type, price, description from products where rn between ? and ? order by rn",
    "stores": "select id, name, strftime(opened_at, " + ISO + ") as opened_at, tax_rate from stores "
    "where rn between ? and ? order by rn",
    "supplies": "select id, name, cost, perishable, sku from supplies where rn between ? and ? order by rn",
}
RECORD_SQL = {
    "customers": "select id, name from customers where id = ?",
    "orders": "select id, customer_id, store_id, strftime(ordered_at, " + ISO + ") as ordered_at, subtotal, "
    "tax_paid, order_total from orders where id = ?",
    "items": "select id, order_id, sku from items where id = ?",
    "products": "select sku, name, type, price, description from products where sku = ?",
    "stores": "select id, name, strftime(opened_at, "
    + ISO
    + ") as opened_at, tax_rate from stores where id = ?",
    # the supply id is not unique (one row per supply and product): serve its first row by sku
    "supplies": "select id, name, cost, perishable, sku from supplies where id = ? order by sku limit 1",
}
QUIET_SQL = "set enable_progress_bar = false"  # no progress bar on stderr while loading large files
COUNT_SQL = {
    "customers": "select count(*) from customers",
    "orders": "select count(*) from orders",
    "items": "select count(*) from items",
    "products": "select count(*) from products",
    "stores": "select count(*) from stores",
    "supplies": "select count(*) from supplies",
}
ITEMS_OF_PAGE_SQL = "select id, order_id, sku from items where order_rn between ? and ? order by order_rn, id"
ITEMS_OF_ORDER_SQL = "select id, order_id, sku from items where order_id = ? order by id"
# Order times in rn order (sorted), so a date filter's rn range is a binary search, not a scan per page.
ORDER_TIMES_SQL = "select ordered_at from orders order by rn"


@dataclass(frozen=True)
class Page:
    """One page of a collection: its rows and whether more rows follow."""

    rows: list[dict]
    has_next: bool


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return the cursor's remaining rows as dicts in column order."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class SourceData:
    """Reads source/*.parquet once into an in-memory DuckDB; each call uses its own cursor (thread-safe)."""

    def __init__(self, source_dir: Path) -> None:
        """Load the six source tables from source_dir."""
        self.source_dir = Path(source_dir)
        self._con = duckdb.connect(":memory:")
        self._con.execute(QUIET_SQL)
        self._lock = threading.Lock()
        for entity in ENTITIES:
            path = self.source_dir / f"{entity}.parquet"
            if not path.is_file():
                raise FileNotFoundError(f"missing source table {path}; run python -m demo.data")
            self._con.execute(LOAD_SQL[entity], [str(path)])
        self.counts = {e: self._con.execute(COUNT_SQL[e]).fetchone()[0] for e in ENTITIES}
        self._order_times = self._con.execute(ORDER_TIMES_SQL).fetchnumpy()["ordered_at"]

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """Return a new cursor on the shared in-memory database."""
        with self._lock:
            cursor = self._con.cursor()
        cursor.execute(QUIET_SQL)
        return cursor

    def close(self) -> None:
        """Close the database."""
        self._con.close()

    def row_counts(self) -> dict[str, int]:
        """Return the row count per entity."""
        return dict(self.counts)

    def _order_range(self, start: date | None, end: date | None) -> tuple[int, int]:
        """Return the first and last rn of orders with start <= ordered_at::date <= end (inclusive days)."""
        if start is None and end is None:
            return 1, self.counts["orders"]
        low = 0 if start is None else self._first_at_or_after(datetime.combine(start, time()))
        high = len(self._order_times)
        if end is not None:
            high = self._first_at_or_after(datetime.combine(end + timedelta(days=1), time()))
        return (low + 1, high) if low < high else (1, 0)

    def _first_at_or_after(self, moment: datetime) -> int:
        """The 0-based position of the first order at or after ``moment`` (the count of earlier orders)."""
        return int(np.searchsorted(self._order_times, np.datetime64(moment, "us"), side="left"))

    def page(
        self, entity: str, page: int, page_size: int, start: date | None = None, end: date | None = None
    ) -> Page:
        """Return page `page` (1-based) of `page_size` rows in the entity's stable order."""
        cur = self._cursor()
        try:
            first, last = self._order_range(start, end) if entity == "orders" else (1, self.counts[entity])
            low = first + (page - 1) * page_size
            high = min(last, low + page_size - 1)
            if low > high:
                return Page([], False)
            rows = _dicts(cur.execute(PAGE_SQL[entity], [low, high]))
            if entity == "orders":
                self._embed_items(cur, rows, low, high)
            return Page(rows, high < last)
        finally:
            cur.close()

    def _embed_items(self, cur: duckdb.DuckDBPyConnection, orders: list[dict], low: int, high: int) -> None:
        """Attach each order's items (one query for the whole page)."""
        by_order: dict[str, list[dict]] = {order["id"]: [] for order in orders}
        for item in _dicts(cur.execute(ITEMS_OF_PAGE_SQL, [low, high])):
            by_order[item["order_id"]].append(item)
        for order in orders:
            order["items"] = by_order[order["id"]]

    def record(self, entity: str, key: str) -> dict | None:
        """Return one record by its key (supplies: the first row of that supply id), or None."""
        cur = self._cursor()
        try:
            rows = _dicts(cur.execute(RECORD_SQL[entity], [key]))
            if not rows:
                return None
            if entity == "orders":
                rows[0]["items"] = _dicts(cur.execute(ITEMS_OF_ORDER_SQL, [key]))
            return rows[0]
        finally:
            cur.close()
