"""A small hand-made Jaffle data set, loaded with dlt itself into the raw schemas dbt reads.

The shapes follow docs/architecture.md. After the dlt loads, one incomplete load is simulated: rows whose
``_dlt_load_id`` has no completed entry in ``_dlt_loads`` (a new order, a newer version of an existing order
and an item of each). dbt must never let them through. ``EXPECTED`` holds the hand-computed mart values.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import dlt
import pytest
from dlt.common.destination import Destination
from postgres_server import POSTGRES_ENVIRONMENT, throwaway_database

from engines.postgres_admin import prepare_postgres
from extract_load.destination import dlt_destination
from warehouse.dbt import run_dbt

INCOMPLETE_LOAD_ID = "9999999999.000001"


def _rows(columns: str, *values: tuple) -> list[dict[str, Any]]:
    """Rows as dicts, from space-separated column names and one tuple of values per row."""
    return [dict(zip(columns.split(), row, strict=True)) for row in values]


def _naive(*columns: str) -> dict:
    """Fresh column hints for timestamps without time zone (dlt fills hint dicts in, so never share one)."""
    return {column: {"data_type": "timestamp", "timezone": False} for column in columns}


def _order(order_id: str, customer: str, store: str, at: datetime, cents: tuple, skus: list) -> dict:
    """One API order; ``cents`` is (subtotal, tax_paid); items embedded as the API serves them."""
    items = _rows("id order_id sku", *((f"{order_id}-{n}", order_id, sku) for n, sku in enumerate(skus, 1)))
    subtotal, tax = cents
    return {"id": order_id, "customer_id": customer, "store_id": store, "ordered_at": at,
            "subtotal": subtotal, "tax_paid": tax, "order_total": subtotal + tax, "items": items}  # fmt: skip


STORES = _rows(
    "id name opened_at tax_rate",
    ("st-phl", "Philadelphia", datetime(2016, 9, 1), 0.04),
    ("st-bkn", "Brooklyn", datetime(2017, 3, 12), 0.06),
    ("st-chi", "Chicago", datetime(2018, 6, 1), 0.05),  # opens later: no orders
)
PRODUCTS = _rows(
    "sku name type price description",
    ("JAF-001", "nutellaphone who dis?", "jaffle", 1100, "nutella and banana jaffle"),
    ("BEV-001", "tangaroo", "beverage", 600, "mango and tangerine smoothie"),
    ("BEV-002", "flame impala", "beverage", 700, "pulled coffee with chili"),
)
SUPPLIES = _rows(  # SUP-006 serves two products: `id` alone is not a key
    "id name cost perishable sku",
    ("SUP-001", "compostable cutlery - knife", 7, False, "JAF-001"),
    ("SUP-004", "bread", 33, True, "JAF-001"),
    ("SUP-006", "16oz compostable clear cup", 13, False, "BEV-001"),
    ("SUP-006", "16oz compostable clear cup", 13, False, "BEV-002"),
    ("SUP-009", "mango", 65, True, "BEV-001"),
    ("SUP-011", "coffee beans", 40, True, "BEV-002"),
)
CUSTOMERS = _rows(
    "id name",
    ("cu-alice", "Alice Adams"),
    ("cu-bob", "Bob Brown"),
    ("cu-carol", "Carol Chen"),  # never orders
)
ORDERS = [  # tax_paid = round(subtotal * the store's tax rate)
    _order("or-1", "cu-alice", "st-phl", datetime(2016, 9, 1, 10, 0), (1700, 68), ["JAF-001", "BEV-001"]),
    _order("or-2", "cu-alice", "st-phl", datetime(2016, 9, 1, 15, 30), (700, 28), ["BEV-002"]),
    _order("or-3", "cu-alice", "st-bkn", datetime(2017, 3, 15, 9, 0), (2200, 132), ["JAF-001", "JAF-001"]),
    _order("or-4", "cu-bob", "st-bkn", datetime(2017, 3, 15, 12, 45), (600, 36), ["BEV-001"]),
]
TWEETS = _rows(
    "id user_id tweeted_at content",
    ("tw-1", "cu-alice", datetime(2016, 9, 1, 12, 0), "jaffles!"),
    ("tw-2", "cu-bob", datetime(2017, 3, 16, 8, 0), "so so"),
)
SUPPLIER_PRICES = _rows(
    "supply_id sku supplier cost_cents valid_from",
    ("SUP-001", "JAF-001", "Acme Cutlery", 6, date(2016, 1, 1)),
    ("SUP-001", "JAF-001", "Acme Cutlery", 8, date(2017, 1, 1)),
    ("SUP-004", "JAF-001", "Bakery Bros", 30, date(2016, 6, 1)),
)
STORE_EVENTS = _rows(
    "event_id store_id event_type occurred_at",
    ("ev-1", "st-phl", "visit", datetime(2016, 9, 1, 9)),
    ("ev-2", "st-phl", "purchase", datetime(2016, 9, 1, 10)),
    ("ev-3", "st-phl", "complaint", datetime(2016, 9, 3, 18)),
    ("ev-4", "st-bkn", "visit", datetime(2017, 3, 15, 9)),
)
LOYALTY_EVENTS = _rows(
    "event_id customer_id store_id event_type points occurred_at",
    ("le-1", "cu-alice", "st-phl", "earn", 17, datetime(2016, 9, 1, 10)),
    ("le-2", "cu-alice", "st-bkn", "earn", 22, datetime(2017, 3, 15, 9)),
    ("le-3", "cu-alice", "st-bkn", "redeem", -30, datetime(2017, 3, 16, 9)),
    ("le-4", "cu-bob", "st-bkn", "earn", 6, datetime(2017, 3, 15, 12, 45)),
)
EMPLOYEES = _rows(
    "id store_id full_name role hourly_rate_cents hired_at updated_at",
    (1, "st-phl", "Dana Diaz", "Barista", 1500, datetime(2016, 8, 20), datetime(2016, 8, 20)),
    (2, "st-phl", "Eli Evans", "manager", 2400, datetime(2016, 8, 1), datetime(2017, 1, 2)),
    (3, "st-bkn", "Fay Fox", " barista ", 1550, datetime(2017, 3, 1), datetime(2017, 3, 1)),
)
SHIFTS = _rows(
    "id employee_id store_id starts_at ends_at updated_at",
    (1, 1, "st-phl", datetime(2016, 9, 1, 7), datetime(2016, 9, 1, 15), datetime(2016, 8, 25)),
    (2, 3, "st-bkn", datetime(2017, 3, 15, 8), datetime(2017, 3, 15, 12, 30), datetime(2017, 3, 10)),
)
INVENTORY_LEVELS = _rows(
    "store_id sku on_hand reorder_point updated_at",
    ("st-phl", "JAF-001", 40, 10, datetime(2017, 3, 15)),
    ("st-phl", "BEV-001", 5, 8, datetime(2017, 3, 15)),
    ("st-bkn", "JAF-001", 0, 5, datetime(2017, 3, 15)),
)

# Hand-computed from the rows above (supply cost per product: JAF-001 40, BEV-001 78, BEV-002 53 cents).
EXPECTED: dict[str, Any] = {
    "customers": {
        "cu-alice": {
            "count_lifetime_orders": 3,
            "first_ordered_at": datetime(2016, 9, 1, 10, 0),
            "last_ordered_at": datetime(2017, 3, 15, 9, 0),
            "lifetime_spend_pretax": Decimal("46.00"),
            "lifetime_tax_paid": Decimal("2.28"),
            "lifetime_spend": Decimal("48.28"),
            "customer_type": "returning",
        },
        "cu-bob": {"count_lifetime_orders": 1, "lifetime_spend": Decimal("6.36"), "customer_type": "new"},
        "cu-carol": {"count_lifetime_orders": 0, "lifetime_spend": Decimal("0.00"), "customer_type": "new"},
    },
    "orders": {
        "or-1": {
            "order_total": Decimal("17.68"),
            "order_cost": Decimal("1.18"),
            "order_margin": Decimal("15.82"),
            "count_order_items": 2,
            "is_food_order": True,
            "is_drink_order": True,
            "customer_order_number": 1,
        },
        "or-2": {
            "order_cost": Decimal("0.53"),
            "is_food_order": False,
            "is_drink_order": True,
            "customer_order_number": 2,
        },
        "or-3": {"count_food_items": 2, "order_margin": Decimal("21.20"), "customer_order_number": 3},
        "or-4": {"order_margin": Decimal("5.22"), "customer_order_number": 1},
    },
    "store_daily_revenue": {
        ("st-phl", date(2016, 9, 1)): {
            "count_orders": 2,
            "revenue": Decimal("24.96"),
            "tax_paid": Decimal("0.96"),
        },
        ("st-bkn", date(2017, 3, 15)): {
            "count_orders": 2,
            "revenue": Decimal("29.68"),
            "subtotal": Decimal("28.00"),
        },
    },
    "loyalty": {"cu-alice": (39, 9), "cu-bob": (6, 6), "cu-carol": (0, 0)},  # points earned, balance
    "locations": {"st-phl": 3, "st-bkn": 1, "st-chi": 0},  # count_store_events
    # count_employees, count_stocked_products, count_products_to_reorder; the incomplete load's hire at
    # st-chi must not count.
    "location_staff_and_stock": {"st-phl": (2, 2, 1), "st-bkn": (1, 1, 1), "st-chi": (0, 0, 0)},
    "supplies": {("SUP-001", "JAF-001"): Decimal("0.08"), ("SUP-004", "JAF-001"): Decimal("0.30")},
    "count_order_items": 6,
}


@dlt.source(name="jaffle_api")
def jaffle_api_fixture():
    """The API dataset: root tables with their keys; orders embed items, so dlt makes ``orders__items``."""
    yield dlt.resource(CUSTOMERS, name="customers", primary_key="id", write_disposition="merge")
    yield dlt.resource(
        ORDERS, name="orders", primary_key="id", write_disposition="merge", columns=_naive("ordered_at")
    )
    yield dlt.resource(PRODUCTS, name="products", primary_key="sku", write_disposition="merge")
    yield dlt.resource(
        STORES, name="stores", primary_key="id", write_disposition="merge", columns=_naive("opened_at")
    )
    yield dlt.resource(SUPPLIES, name="supplies", primary_key=("id", "sku"), write_disposition="merge")


@dlt.source(name="jaffle_files")
def jaffle_files_fixture():
    """The file-drop dataset: tweets, supplier price lists, store events and loyalty events."""
    yield dlt.resource(TWEETS, name="tweets", columns=_naive("tweeted_at"))
    yield dlt.resource(SUPPLIER_PRICES, name="supplier_prices", columns={"valid_from": {"data_type": "date"}})
    yield dlt.resource(STORE_EVENTS, name="store_events", columns=_naive("occurred_at"))
    yield dlt.resource(
        LOYALTY_EVENTS, name="loyalty_events", primary_key="event_id", columns=_naive("occurred_at")
    )


@dlt.source(name="jaffle_oltp")
def jaffle_oltp_fixture():
    """The operational database's dataset: employees, shifts and stock levels, merged on their keys."""
    stamps = ("hired_at", "updated_at")
    yield dlt.resource(EMPLOYEES, name="employees", primary_key="id", columns=_naive(*stamps))
    yield dlt.resource(
        SHIFTS, name="shifts", primary_key="id", columns=_naive("starts_at", "ends_at", "updated_at")
    )
    yield dlt.resource(
        INVENTORY_LEVELS,
        name="inventory_levels",
        primary_key=("store_id", "sku"),
        columns=_naive("updated_at"),
    )


def _add_incomplete_hire(pipeline: dlt.Pipeline) -> None:
    """An employee row of a load that never completed."""
    with pipeline.sql_client() as client:
        client.execute_sql(
            "insert into employees (id, store_id, full_name, role, hourly_rate_cents, hired_at, updated_at,"
            " _dlt_load_id, _dlt_id) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            *(4, "st-chi", "Gus Green", "barista", 1500, datetime(2018, 5, 1), datetime(2018, 5, 1)),
            *(INCOMPLETE_LOAD_ID, "fake-employee-4"),
        )


def _add_incomplete_load(pipeline: dlt.Pipeline) -> None:
    """Insert raw rows of a load that never completed: a new order and a newer version of ``or-1``."""
    orders = [
        ("or-5", "cu-bob", "st-phl", datetime(2016, 9, 2, 11), 1100, 44, 1144, INCOMPLETE_LOAD_ID, "fake-or-5"),
        ("or-1", "cu-alice", "st-phl", datetime(2016, 9, 1, 10), 9900, 396, 10296, INCOMPLETE_LOAD_ID, "fake-or-1"),
    ]  # fmt: skip
    items = [
        ("or-5-1", "or-5", "JAF-001", "fake-or-5", "fake-or-5", 0, "fake-or-5-1"),
        ("or-1-9", "or-1", "BEV-002", "fake-or-1", "fake-or-1", 0, "fake-or-1-9"),
    ]
    with pipeline.sql_client() as client:  # the client's search_path is the dataset
        for row in orders:
            client.execute_sql(
                "insert into orders (id, customer_id, store_id, ordered_at, subtotal, tax_paid, order_total,"
                " _dlt_load_id, _dlt_id) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                *row,
            )
        for row in items:
            client.execute_sql(
                "insert into orders__items (id, order_id, sku, _dlt_parent_id, _dlt_root_id, _dlt_list_idx,"
                " _dlt_id) values (%s, %s, %s, %s, %s, %s, %s)",
                *row,
            )


def load_raw_fixture(destination: Destination, pipelines_dir: Path, dataset_prefix: str = "raw_") -> None:
    """Load the fixture datasets with dlt into ``destination``, then add the incomplete load's rows."""
    for source in (jaffle_api_fixture(), jaffle_files_fixture(), jaffle_oltp_fixture()):
        pipeline = dlt.pipeline(
            pipeline_name=f"dbt_fixture_{source.name}",
            destination=destination,
            dataset_name=dataset_prefix + source.name,
            pipelines_dir=str(pipelines_dir),
        )
        pipeline.run(source).raise_on_failed_jobs()
        if source.name == "jaffle_api":
            _add_incomplete_load(pipeline)
        if source.name == "jaffle_oltp":
            _add_incomplete_hire(pipeline)


def land_fixture_sources(pipeline_prefix: str, pipelines_dir: Path) -> None:
    """The three fixture datasets, each by its own dlt pipeline (``<prefix>_<source>``) on the destination the
    project's settings choose (on Spark: Parquet in the lake); no incomplete load."""
    from extract_load.destination import LOADER_FILE_FORMAT, dlt_destination

    for source in (jaffle_api_fixture(), jaffle_files_fixture(), jaffle_oltp_fixture()):
        pipeline = dlt.pipeline(
            pipeline_name=f"{pipeline_prefix}_{source.name}",
            destination=dlt_destination(),
            dataset_name=f"raw_{source.name}",
            pipelines_dir=str(pipelines_dir),
        )
        pipeline.run(source, loader_file_format=LOADER_FILE_FORMAT).raise_on_failed_jobs()


# Helpers for tests that load later batches into a warehouse the project's own settings point at (incremental
# models, snapshots).

API_PIPELINE = "dbt_fixture_jaffle_api"
# What a later API batch changes in the catalogue: a new product price, a new supply cost.
LATER_PRODUCTS = [
    {
        "sku": "BEV-002",
        "name": "flame impala",
        "type": "beverage",
        "price": 750,
        "description": "pulled coffee with chili",
    }
]
LATER_SUPPLIES = [{"id": "SUP-009", "name": "mango", "cost": 70, "perishable": True, "sku": "BEV-001"}]


def api_order(order_id: str, customer: str, store: str, at: datetime, cents: tuple, skus: list) -> dict:
    """One API order with its items embedded, as a later batch re-sends or adds it."""
    return _order(order_id, customer, store, at, cents, skus)


@dlt.source(name="jaffle_api")
def jaffle_api_batch(
    customers: Sequence = (), orders: Sequence = (), products: Sequence = (), supplies: Sequence = ()
):
    """A later batch of the API dataset: only the rows given, merged on the keys of ``jaffle_api_fixture``."""
    if customers:
        yield dlt.resource(list(customers), name="customers", primary_key="id", write_disposition="merge")
    if orders:
        yield dlt.resource(
            list(orders),
            name="orders",
            primary_key="id",
            write_disposition="merge",
            columns=_naive("ordered_at"),
        )
    if products:
        yield dlt.resource(list(products), name="products", primary_key="sku", write_disposition="merge")
    if supplies:
        yield dlt.resource(
            list(supplies), name="supplies", primary_key=("id", "sku"), write_disposition="merge"
        )


def _api_pipeline(pipelines_dir: Path) -> dlt.Pipeline:
    """The fixture's API pipeline on the configured warehouse (Postgres: as the loader role)."""
    return dlt.pipeline(
        pipeline_name=API_PIPELINE,
        destination=dlt_destination(),
        dataset_name="raw_jaffle_api",
        pipelines_dir=str(pipelines_dir),
    )


def load_api_batch(pipelines_dir: Path, **rows: Sequence) -> str:
    """Load a later API batch (``customers=``, ``orders=``, ...) as one new completed load; its load id."""
    info = _api_pipeline(pipelines_dir).run(jaffle_api_batch(**rows))
    info.raise_on_failed_jobs()
    return info.loads_ids[0]


def complete_incomplete_load(pipelines_dir: Path) -> None:
    """Record the simulated incomplete load (``INCOMPLETE_LOAD_ID``) as completed, as dlt would on success."""
    with _api_pipeline(pipelines_dir).sql_client() as client:
        client.execute_sql(
            "insert into _dlt_loads (load_id, schema_name, status, inserted_at) values (%s, %s, %s, %s)",
            *(INCOMPLETE_LOAD_ID, "jaffle_api", 0, datetime.now(UTC)),
        )


@contextmanager
def fixture_warehouse(engine: str, work_dir: Path) -> Iterator[Path]:
    """Point the project's settings at a fresh ``engine`` warehouse holding the raw fixture; yield dlt's folder.

    Sets the variables the pipeline reads (``WAREHOUSE``, ``PROJECT__DATA_DIR``, dlt's Postgres credentials) and
    dbt's target and log paths inside ``work_dir``; on Postgres a throw-away database with the roles set up, the
    fixture loaded as the loader. Everything is restored afterwards.
    """
    with ExitStack() as stack:
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        patch.setenv("WAREHOUSE", engine)
        patch.setenv("PROJECT__DATA_DIR", str(work_dir))
        patch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
        patch.setenv("DBT_TARGET_PATH", str(work_dir / "target"))
        patch.setenv("DBT_LOG_PATH", str(work_dir / "logs"))
        patch.delenv("DESTINATION__DUCKDB__CREDENTIALS", raising=False)
        if engine == "postgres":
            database = stack.enter_context(throwaway_database("jaffle_fixture_test"))
            for part, value in {**POSTGRES_ENVIRONMENT, "DATABASE": database}.items():
                patch.setenv(f"DESTINATION__POSTGRES__CREDENTIALS__{part}", value)
            prepare_postgres()
        pipelines_dir = work_dir / "pipelines"
        load_raw_fixture(dlt_destination(), pipelines_dir=pipelines_dir)
        yield pipelines_dir


def run_dbt_checked(*arguments: str) -> str:
    """dbt through the project's runner (inside ``fixture_warehouse``); fail naming failed nodes, else the run's id."""
    completed = run_dbt(*arguments)
    results = json.loads((Path(os.environ["DBT_TARGET_PATH"]) / "run_results.json").read_text())
    failed = [r["unique_id"] for r in results["results"] if r["status"] not in ("success", "pass", "no-op")]
    assert completed.returncode == 0 and not failed, f"dbt {' '.join(arguments)} failed: {failed}"
    return results["metadata"]["invocation_id"]
