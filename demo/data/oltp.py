"""The coffee shop's operational (OLTP) database: employees, shifts and inventory levels, in Postgres or SQLite.

``seed_oltp`` (re)creates the three tables and fills them deterministically from (seed, scale), reusing the
reference stores and product skus. ``touch_oltp`` plays the shop's applications: it updates existing rows and
inserts new ones, bumping ``updated_at``, so incremental loads can be checked against what changed.
Timestamps are naive UTC (``timestamp without time zone``), as the applications write them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from demo.data.randomness import rng_for
from demo.data.reference import PRODUCTS, STORES, stores_table
from demo.data.transactions import FIRST_NAMES, LAST_NAMES, scaled_count

OLTP_STREAM_TAG = 9_001  # keeps OLTP draws apart from the generator's streams for the same seed
TOUCH_STREAM_TAG = 9_002
EMPLOYEES_AT_SCALE_1 = 48
SHIFTS_AT_SCALE_1 = 4_000
MIN_EMPLOYEES = len(STORES)
ROLES = ("barista", "shift lead", "manager")
ROLE_RATE_CENTS = {"barista": (1_500, 1_900), "shift lead": (1_900, 2_300), "manager": (2_600, 3_200)}
SHIFT_HOURS = 7
RAISE_CENTS = 50
SHIFT_EXTENSION = timedelta(minutes=30)
INVENTORY_AS_OF = datetime(2020, 1, 1)

METADATA = sa.MetaData()
EMPLOYEES = sa.Table(
    "employees",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("store_id", sa.String(36), nullable=False),
    sa.Column("full_name", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("hourly_rate_cents", sa.Integer, nullable=False),
    sa.Column("hired_at", sa.DateTime(timezone=False), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=False), nullable=False, index=True),
)
SHIFTS = sa.Table(
    "shifts",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("employee_id", sa.Integer, sa.ForeignKey("employees.id"), nullable=False),
    sa.Column("store_id", sa.String(36), nullable=False),
    sa.Column("starts_at", sa.DateTime(timezone=False), nullable=False),
    sa.Column("ends_at", sa.DateTime(timezone=False), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=False), nullable=False, index=True),
)
INVENTORY_LEVELS = sa.Table(
    "inventory_levels",
    METADATA,
    sa.Column("store_id", sa.String(36), primary_key=True),
    sa.Column("sku", sa.String(16), primary_key=True),
    sa.Column("on_hand", sa.Integer, nullable=False),
    sa.Column("reorder_point", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=False), nullable=False, index=True),
)
TABLES = (EMPLOYEES, SHIFTS, INVENTORY_LEVELS)


@dataclass(frozen=True)
class OltpChanges:
    """What one ``touch_oltp`` call did: primary keys updated and inserted per table, and the stamp used."""

    at: datetime
    updated: dict[str, list[tuple]] = field(default_factory=dict)
    inserted: dict[str, list[tuple]] = field(default_factory=dict)

    def changed_rows(self) -> dict[str, int]:
        """Rows per table whose ``updated_at`` moved (updated or inserted)."""
        return {
            table.name: len(self.updated[table.name]) + len(self.inserted[table.name]) for table in TABLES
        }


def ensure_database(url: str | URL) -> None:
    """Create the Postgres database named in ``url`` when missing, or the folder of a SQLite file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        return
    if parsed.get_driver_name() != "psycopg2":
        raise ValueError("the OLTP demo database needs the psycopg2 driver (postgresql+psycopg2://...)")
    import psycopg2
    from psycopg2 import sql

    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            found = connection.execute(
                sa.text("select 1 from pg_database where datname = :name"), {"name": parsed.database}
            ).first()
            if found is None:
                with connection.connection.driver_connection.cursor() as cursor:
                    try:
                        cursor.execute(sql.SQL("create database {}").format(sql.Identifier(parsed.database)))
                    except psycopg2.errors.DuplicateDatabase:
                        pass  # created concurrently: the database is there, which is all we need
    finally:
        admin.dispose()


def _after(base: datetime, days: float) -> datetime:
    """``base`` plus a fractional number of days, to the whole second."""
    return base + timedelta(seconds=round(float(days) * 86_400))


def employee_rows(seed: int, scale: float) -> list[dict[str, Any]]:
    """Employees spread over the six stores: one manager each, then baristas and shift leads."""
    rng = rng_for(seed, OLTP_STREAM_TAG, 1)
    n = scaled_count(EMPLOYEES_AT_SCALE_1, scale, MIN_EMPLOYEES)
    store_ids = stores_table().column("id").to_pylist()
    store_index = np.arange(n) % len(STORES)
    roles = np.where(np.arange(n) < len(STORES), 2, (rng.random(n) < 0.25).astype(np.int64))
    first = rng.integers(0, len(FIRST_NAMES), n)
    last = rng.integers(0, len(LAST_NAMES), n)
    hired_offset = rng.integers(-14, 540, n)
    changed_offset = rng.random(n) * 400
    rate_draw = rng.random(n)
    rows = []
    for i in range(n):
        role = ROLES[roles[i]]
        low, high = ROLE_RATE_CENTS[role]
        hired_at = STORES[store_index[i]][1] + timedelta(days=int(hired_offset[i]), hours=9)
        rows.append(
            {
                "id": i + 1,
                "store_id": store_ids[store_index[i]],
                "full_name": f"{FIRST_NAMES[first[i]]} {LAST_NAMES[last[i]]}",
                "role": role,
                "hourly_rate_cents": int(low + (high - low) * rate_draw[i]) // 25 * 25,
                "hired_at": hired_at,
                "updated_at": _after(hired_at, changed_offset[i]),
            }
        )
    return rows


def shift_rows(seed: int, scale: float, employees: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Seven-hour shifts in the first year of each employee, opening (07:00) or closing (14:00)."""
    rng = rng_for(seed, OLTP_STREAM_TAG, 2)
    n = scaled_count(SHIFTS_AT_SCALE_1, scale)
    who = rng.integers(0, len(employees), n)
    day = rng.integers(1, 366, n)
    late = rng.random(n) < 0.5
    edited_after = rng.random(n) * 3
    rows = []
    for i in range(n):
        employee = employees[who[i]]
        hired = employee["hired_at"]  # always 09:00:00
        starts_at = hired.replace(hour=14 if late[i] else 7) + timedelta(days=int(day[i]))
        ends_at = starts_at + timedelta(hours=SHIFT_HOURS)
        rows.append(
            {
                "id": i + 1,
                "employee_id": employee["id"],
                "store_id": employee["store_id"],
                "starts_at": starts_at,
                "ends_at": ends_at,
                "updated_at": _after(ends_at, edited_after[i]),
            }
        )
    return rows


def inventory_rows(seed: int) -> list[dict[str, Any]]:
    """Stock on hand of every product at every store, counted in the weeks before ``INVENTORY_AS_OF``."""
    rng = rng_for(seed, OLTP_STREAM_TAG, 3)
    store_ids = stores_table().column("id").to_pylist()
    n = len(store_ids) * len(PRODUCTS)
    on_hand = rng.integers(0, 121, n)
    counted = [_after(INVENTORY_AS_OF, -days) for days in rng.random(n) * 28]
    return [
        {
            "store_id": store_id,
            "sku": product[0],
            "on_hand": int(on_hand[i]),
            "reorder_point": 20 if product[2] == "jaffle" else 30,
            "updated_at": counted[i],
        }
        for i, (store_id, product) in enumerate((s, p) for s in store_ids for p in PRODUCTS)
    ]


def _engine(url: str | URL) -> Engine:
    """An engine on the OLTP database, created first when it is a missing Postgres database."""
    ensure_database(url)
    return sa.create_engine(url)


def seed_oltp(url: str, seed: int = 42, scale: float = 1.0) -> dict[str, int]:
    """Drop and recreate the OLTP tables at ``url`` and fill them; return rows per table."""
    if not scale > 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    employees = employee_rows(seed, scale)
    rows = {
        EMPLOYEES.name: employees,
        SHIFTS.name: shift_rows(seed, scale, employees),
        INVENTORY_LEVELS.name: inventory_rows(seed),
    }
    engine = _engine(url)
    try:
        METADATA.drop_all(engine)
        METADATA.create_all(engine)
        with engine.begin() as connection:
            for table in TABLES:
                connection.execute(table.insert(), rows[table.name])
    finally:
        engine.dispose()
    return {name: len(table_rows) for name, table_rows in rows.items()}


def _pick_keys(connection: sa.Connection, table: sa.Table, rng: np.random.Generator, n: int) -> list[tuple]:
    """Up to ``n`` distinct primary keys of ``table``, drawn from its rows in key order."""
    key = list(table.primary_key.columns)
    keys = [tuple(row) for row in connection.execute(sa.select(*key).order_by(*key))]
    chosen = rng.choice(len(keys), size=min(n, len(keys)), replace=False) if keys else []
    return sorted(keys[i] for i in chosen)


def _edited(table: sa.Table, row: sa.Row, rng: np.random.Generator) -> dict[str, Any]:
    """The applications' edit of one row: a raise, a longer shift or a stock recount."""
    if table is EMPLOYEES:
        return {"hourly_rate_cents": row.hourly_rate_cents + RAISE_CENTS}
    if table is SHIFTS:
        return {"ends_at": row.ends_at + SHIFT_EXTENSION}
    return {"on_hand": int(rng.integers(0, 121))}


def _update(
    connection: sa.Connection, table: sa.Table, keys: list[tuple], rng: np.random.Generator, stamp: datetime
) -> None:
    """Edit the rows with the given primary keys and stamp their ``updated_at``."""
    key = list(table.primary_key.columns)
    for value in keys:
        where = sa.and_(*(column == part for column, part in zip(key, value, strict=True)))
        row = connection.execute(sa.select(table).where(where)).one()
        connection.execute(table.update().where(where).values(**_edited(table, row, rng), updated_at=stamp))


def _stamp_after(connection: sa.Connection, at: datetime | None) -> datetime:
    """``at`` when given (a late commit can be simulated); else now, or just after the newest change."""
    if at is not None:
        return at
    newest = [connection.execute(sa.select(sa.func.max(t.c.updated_at))).scalar() for t in TABLES]
    now = datetime.now(UTC).replace(tzinfo=None)
    return max([now, *(value + timedelta(milliseconds=1) for value in newest if value is not None)])


def touch_oltp(url: str, seed: int, n: int, at: datetime | None = None) -> OltpChanges:
    """Update ``n`` rows of each table and insert one employee with two shifts, stamping ``updated_at``."""
    engine = _engine(url)
    try:
        with engine.begin() as connection:
            counts = [connection.execute(sa.select(sa.func.count()).select_from(t)).scalar() for t in TABLES]
            rng = rng_for(seed, TOUCH_STREAM_TAG, *counts)
            stamp = _stamp_after(connection, at)
            picked = {table.name: _pick_keys(connection, table, rng, n) for table in TABLES}
            for table in TABLES:
                _update(connection, table, picked[table.name], rng, stamp)
            inserted = _insert_hire(connection, rng, stamp)
    finally:
        engine.dispose()
    return OltpChanges(at=stamp, updated=picked, inserted=inserted)


def _insert_hire(
    connection: sa.Connection, rng: np.random.Generator, stamp: datetime
) -> dict[str, list[tuple]]:
    """Insert a new barista at a random store with their first two shifts; return the new keys."""
    employee_id = (connection.execute(sa.select(sa.func.max(EMPLOYEES.c.id))).scalar() or 0) + 1
    shift_id = (connection.execute(sa.select(sa.func.max(SHIFTS.c.id))).scalar() or 0) + 1
    store_id = stores_table().column("id")[int(rng.integers(0, len(STORES)))].as_py()
    first, last = (int(i) for i in rng.integers(0, (len(FIRST_NAMES), len(LAST_NAMES))))
    hired_at = stamp.replace(microsecond=0)
    connection.execute(
        EMPLOYEES.insert(),
        {
            "id": employee_id,
            "store_id": store_id,
            "full_name": f"{FIRST_NAMES[first]} {LAST_NAMES[last]}",
            "role": "barista",
            "hourly_rate_cents": ROLE_RATE_CENTS["barista"][0],
            "hired_at": hired_at,
            "updated_at": stamp,
        },
    )
    first_day = datetime(hired_at.year, hired_at.month, hired_at.day, 7) + timedelta(days=1)
    shifts = [
        {
            "id": shift_id + k,
            "employee_id": employee_id,
            "store_id": store_id,
            "starts_at": first_day + timedelta(days=k),
            "ends_at": first_day + timedelta(days=k, hours=SHIFT_HOURS),
            "updated_at": stamp,
        }
        for k in range(2)
    ]
    connection.execute(SHIFTS.insert(), shifts)
    return {
        EMPLOYEES.name: [(employee_id,)],
        SHIFTS.name: [(row["id"],) for row in shifts],
        INVENTORY_LEVELS.name: [],
    }
