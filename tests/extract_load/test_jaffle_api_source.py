"""The Jaffle API loader against a scripted server on loopback: pagination, merge and incremental cursor."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import duckdb
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from extract_load.pipeline import load_source

CUSTOMERS = [{"id": f"c{i}", "name": f"Customer {i}"} for i in range(5)]
ORDERS = [
    {
        "id": f"o{i}",
        "customer_id": f"c{i % 5}",
        "store_id": "s1",
        "ordered_at": f"2017-01-0{1 + i // 2}T10:0{i % 2}:00",
        "subtotal": 700,
        "tax_paid": 42,
        "order_total": 742,
        "items": [{"id": f"i{i}-{k}", "order_id": f"o{i}", "sku": "JAF-001"} for k in range(1 + i % 3)],
    }
    for i in range(7)
]
REFERENCE = {
    "products": [
        {"sku": "JAF-001", "name": "nutellaphone", "type": "jaffle", "price": 700, "description": "d"}
    ],
    "stores": [{"id": "s1", "name": "Philadelphia", "opened_at": "2016-09-01T00:00:00", "tax_rate": 0.06}],
    "supplies": [
        {"id": "SUP-1", "name": "bread", "cost": 11, "perishable": True, "sku": "JAF-001"},
        {"id": "SUP-1", "name": "bread", "cost": 11, "perishable": True, "sku": "JAF-002"},
    ],
}


MONEY = ("subtotal", "tax_paid", "order_total", "price", "cost", "tax_rate")


class ScriptedApi:
    """Serves lists page by page with a Link header, like the Jaffle Shop API; records every request."""

    def __init__(
        self, server: HTTPServer, duplicate_across_pages: bool = False, money_as_strings: bool = False
    ) -> None:
        self.server = server
        self.requests: list[dict] = []
        self.duplicate_across_pages = duplicate_across_pages
        for name, rows in {"customers": CUSTOMERS, "orders": ORDERS, **REFERENCE}.items():
            if money_as_strings:  # as FastAPI serialises Decimal
                rows = [{k: str(v) if k in MONEY else v for k, v in row.items()} for row in rows]
            server.expect_request(f"/api/v1/{name}").respond_with_handler(self._handler(name, rows))

    def _handler(self, name: str, rows: list[dict]):
        def handle(request: Request) -> Response:
            arguments = request.args.to_dict()
            self.requests.append({"path": name, **arguments})
            page, size = int(arguments.get("page", 1)), int(arguments.get("page_size", 100))
            selected = rows
            if "start_date" in arguments:
                selected = [row for row in rows if row["ordered_at"][:10] >= arguments["start_date"]]
            start = (page - 1) * size
            body = selected[start : start + size]
            if self.duplicate_across_pages and page > 1 and body:
                body = [selected[start - 1], *body]  # unstable order: a row seen on the previous page again
            headers = {}
            if start + size < len(selected):
                query = urlencode({**arguments, "page": page + 1})
                headers["Link"] = (
                    f'</api/v1/{name}?{query}>; rel="next"'  # relative, as the public API sends it
                )
            return Response(json.dumps(body), headers=headers, content_type="application/json")

        return handle


def _raw(data_dir: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture
def duckdb_warehouse(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WAREHOUSE", "duckdb")
    monkeypatch.setenv("SOURCES__JAFFLE_API__PAGE_SIZE", "2")  # through dlt's config, as a user would
    return data_dir


def test_every_page_is_loaded_and_items_land_in_a_child_table(httpserver: HTTPServer, duckdb_warehouse: Path):
    api = ScriptedApi(httpserver)
    load = load_source("jaffle_api", httpserver.url_for("/api/v1"))
    order_pages = [r for r in api.requests if r["path"] == "orders"]
    assert [r.get("page", "1") for r in order_pages] == ["1", "2", "3", "4"], "7 orders, 2 per page"
    assert all(r["page_size"] == "2" for r in order_pages)
    assert load.rows["orders"] == len(ORDERS)
    assert _raw(duckdb_warehouse, "select count(*), count(distinct id) from raw_jaffle_api.orders") == [
        (7, 7)
    ]
    expected_items = sum(len(order["items"]) for order in ORDERS)
    assert _raw(duckdb_warehouse, "select count(*) from raw_jaffle_api.orders__items") == [(expected_items,)]
    assert _raw(duckdb_warehouse, "select count(*) from raw_jaffle_api.supplies") == [(2,)]
    column_type = _raw(
        duckdb_warehouse,
        "select data_type from information_schema.columns where table_schema = 'raw_jaffle_api'"
        " and table_name = 'orders' and column_name = 'ordered_at'",
    )
    assert column_type == [("TIMESTAMP",)], "ordered_at must load as a timestamp without time zone"


def test_a_row_served_twice_across_pages_is_merged_once(httpserver: HTTPServer, duckdb_warehouse: Path):
    ScriptedApi(httpserver, duplicate_across_pages=True)
    load_source("jaffle_api", httpserver.url_for("/api/v1"))
    assert _raw(duckdb_warehouse, "select count(*), count(distinct id) from raw_jaffle_api.orders") == [
        (7, 7)
    ]
    assert _raw(duckdb_warehouse, "select count(*), count(distinct id) from raw_jaffle_api.customers") == [
        (5, 5)
    ]


def test_money_sent_as_decimal_strings_lands_as_numbers(httpserver: HTTPServer, duckdb_warehouse: Path):
    ScriptedApi(httpserver, money_as_strings=True)
    load_source("jaffle_api", httpserver.url_for("/api/v1"))
    types = dict(
        _raw(
            duckdb_warehouse,
            "select table_name || '.' || column_name, data_type from information_schema.columns"
            " where table_schema = 'raw_jaffle_api'",
        )
    )
    for column in (
        "orders.subtotal",
        "orders.tax_paid",
        "orders.order_total",
        "products.price",
        "supplies.cost",
    ):
        assert types[column] == "BIGINT", column
    assert types["stores.tax_rate"] == "DOUBLE"
    assert not [column for column in types if "__v_" in column], "no variant columns"
    assert _raw(duckdb_warehouse, "select sum(order_total), sum(subtotal) from raw_jaffle_api.orders") == [
        (742 * 7, 700 * 7)
    ]
    assert _raw(duckdb_warehouse, "select tax_rate from raw_jaffle_api.stores") == [(0.06,)]


def test_the_rerun_asks_only_from_the_last_day_and_adds_nothing(
    httpserver: HTTPServer, duckdb_warehouse: Path
):
    api = ScriptedApi(httpserver)
    load_source("jaffle_api", httpserver.url_for("/api/v1"))
    api.requests.clear()
    second = load_source("jaffle_api", httpserver.url_for("/api/v1"))
    first_order_request = next(r for r in api.requests if r["path"] == "orders")
    assert first_order_request["start_date"] == max(o["ordered_at"] for o in ORDERS)[:10]
    assert second.rows.get("orders", 0) == 0
    assert _raw(duckdb_warehouse, "select count(*) from raw_jaffle_api.orders") == [(7,)]
    assert _raw(duckdb_warehouse, "select count(*) from raw_jaffle_api.orders__items") == [
        (sum(len(o["items"]) for o in ORDERS),)
    ]
