"""Tests for the local Jaffle Shop API stand-in, over loopback, against a small generated data set."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from demo.api_stand_in import serve
from demo.data import append_orders, generate

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
LINK = re.compile(r'^<([^>]+)>; rel="next"$')
KEYS = {
    "customers": ("id",),
    "orders": ("id",),
    "items": ("id",),
    "products": ("sku",),
    "stores": ("id",),
    "supplies": ("id", "sku"),
}


def get(url: str) -> tuple[int, object, dict]:
    """GET a URL; return (status, parsed JSON body, headers)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def walk(url: str) -> tuple[list[dict], list[dict]]:
    """Follow Link headers from url; return (all rows, per-page info)."""
    rows, pages = [], []
    while url:
        status, body, headers = get(url)
        assert status == 200 and headers["Content-Type"] == "application/json"
        link = headers.get("Link")
        pages.append({"url": url, "rows": len(body), "link": link})
        rows.extend(body)
        url = urljoin(url, LINK.match(link).group(1)) if link else None
    return rows, pages


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Generate a small data set; return (source folder, manifest)."""
    out = tmp_path_factory.mktemp("stand_in") / "data"
    manifest = generate(out, seed=11, scale=0.02)
    return out / "source", manifest


@pytest.fixture(scope="module")
def base(source: tuple[Path, dict]) -> Iterator[str]:
    """Serve the data set on loopback for the module."""
    with serve(source[0]) as url:
        yield url


@pytest.fixture(scope="module")
def everything(base: str) -> dict[str, list[dict]]:
    """Every row of every collection, walked with a large page size."""
    return {entity: walk(f"{base}/{entity}?page_size=1000")[0] for entity in KEYS}


def test_ping_is_served_at_root_and_under_the_prefix(base: str) -> None:
    assert get(f"{base}/ping")[:2] == (200, {"message": "pong"})
    root = base.removesuffix("/api/v1")
    assert get(f"{root}/ping")[:2] == (200, {"message": "pong"})
    assert base.startswith("http://127.0.0.1:")


def test_row_counts_equal_the_manifest(base: str, source: tuple[Path, dict]) -> None:
    status, body, _ = get(f"{base}/row-counts")
    assert status == 200
    assert body == [{"table_name": name, "row_count": n} for name, n in source[1]["row_counts"].items()]


@pytest.mark.parametrize(
    ("entity", "page_size"),
    [
        ("supplies", 13),  # 65 rows: divides evenly, the fifth page is the last and has no Link
        ("supplies", 7),
        ("products", 10),
        ("customers", 4),
        ("orders", 250),
        ("orders", "all"),  # exactly one full page
        ("items", 500),
    ],
)
def test_pagination_walks_every_row_once(
    base: str, source: tuple[Path, dict], entity: str, page_size
) -> None:
    expected = source[1]["row_counts"][entity]
    size = expected if page_size == "all" else page_size
    rows, pages = walk(f"{base}/{entity}?page_size={size}")
    keys = Counter(tuple(row[k] for k in KEYS[entity]) for row in rows)
    assert len(rows) == expected and len(keys) == expected
    assert len(pages) == -(-expected // size)
    assert all(p["link"] for p in pages[:-1]) and pages[-1]["link"] is None
    assert all(p["rows"] == size for p in pages[:-1]) and 1 <= pages[-1]["rows"] <= size
    for page_number, page in enumerate(pages[1:], start=2):
        query = parse_qs(urlsplit(page["url"]).query)
        assert page["url"].startswith(base) and query == {
            "page_size": [str(size)],
            "page": [str(page_number)],
        }


def test_default_page_size_is_100_and_pages_are_stable(base: str) -> None:
    _, first, headers = get(f"{base}/orders")
    assert len(first) == 100 and "page=2" in headers["Link"]
    assert get(f"{base}/orders?page=1")[1] == first
    _, second, _ = get(f"{base}/orders?page=2")
    assert [o["ordered_at"] for o in first + second] == sorted(o["ordered_at"] for o in first + second)


def test_a_page_past_the_end_is_empty_without_link(base: str) -> None:
    status, body, headers = get(f"{base}/customers?page=999")
    assert (status, body) == (200, []) and "Link" not in headers


def test_orders_filter_by_inclusive_whole_days(base: str, everything: dict) -> None:
    days = sorted({o["ordered_at"][:10] for o in everything["orders"]})
    first, last = days[len(days) // 3], days[len(days) // 3 + 2]

    def ids(predicate) -> set[str]:
        return {o["id"] for o in everything["orders"] if predicate(o["ordered_at"][:10])}

    one_day, pages = walk(f"{base}/orders?start_date={first}&end_date={first}&page_size=2")
    assert {o["id"] for o in one_day} == ids(lambda d: d == first) and len(one_day) >= 1
    assert all("start_date" in parse_qs(urlsplit(p["url"]).query) for p in pages)
    assert {o["id"] for o in walk(f"{base}/orders?start_date={first}&end_date={last}")[0]} == ids(
        lambda d: first <= d <= last
    )
    assert {o["id"] for o in walk(f"{base}/orders?start_date={last}&page_size=1000")[0]} == ids(
        lambda d: d >= last
    )
    assert {o["id"] for o in walk(f"{base}/orders?end_date={first}&page_size=1000")[0]} == ids(
        lambda d: d <= first
    )
    assert get(f"{base}/orders?start_date={last}&end_date={first}")[1] == []


def test_embedded_items_match_the_items_endpoint(everything: dict) -> None:
    by_order = defaultdict(list)
    for item in everything["items"]:
        by_order[item["order_id"]].append(item)
    prices = {p["sku"]: p["price"] for p in everything["products"]}
    for order in everything["orders"]:
        assert sorted(order["items"], key=lambda i: i["id"]) == sorted(
            by_order[order["id"]], key=lambda i: i["id"]
        )
        assert all(list(item) == ["id", "order_id", "sku"] for item in order["items"])
        assert order["subtotal"] == sum(prices[item["sku"]] for item in order["items"])
    assert sum(len(o["items"]) for o in everything["orders"]) == len(everything["items"])


def test_json_shapes_and_types(everything: dict) -> None:
    order = everything["orders"][0]
    assert list(order) == [
        "id",
        "customer_id",
        "store_id",
        "ordered_at",
        "subtotal",
        "tax_paid",
        "order_total",
        "items",
    ]
    assert ISO.match(order["ordered_at"]) and all(type(order[k]) is int for k in ("subtotal", "tax_paid"))
    store = everything["stores"][0]
    assert list(store) == ["id", "name", "opened_at", "tax_rate"]
    assert ISO.match(store["opened_at"]) and isinstance(store["tax_rate"], float)
    assert list(everything["products"][0]) == ["sku", "name", "type", "price", "description"]
    assert list(everything["supplies"][0]) == ["id", "name", "cost", "perishable", "sku"]
    assert all(isinstance(s["perishable"], bool) for s in everything["supplies"])


def test_single_records_match_the_collections(base: str, everything: dict) -> None:
    for entity in ("customers", "orders", "items", "stores"):
        row = everything[entity][len(everything[entity]) // 2]
        assert get(f"{base}/{entity}/{row['id']}")[:2] == (200, row)
    product = everything["products"][0]
    assert get(f"{base}/products/{product['sku']}")[:2] == (200, product)
    status, supply, _ = get(f"{base}/supplies/SUP-004")
    assert status == 200 and supply["id"] == "SUP-004" and supply in everything["supplies"]


@pytest.mark.parametrize(
    "path", ["/customers/nope", "/orders/nope", "/products/XXX-000", "/supplies/SUP-999"]
)
def test_missing_records_are_404_json(base: str, path: str) -> None:
    status, body, _ = get(base + path)
    assert status == 404 and isinstance(body["detail"], str)


def test_unknown_routes_are_404(base: str) -> None:
    assert get(f"{base}/nothing")[0] == 404
    assert get(f"{base}/orders/a/b")[0] == 404


@pytest.mark.parametrize(
    "query",
    ["page_size=0", "page_size=abc", "page=0", "page=-1", "start_date=2017-13-01", "end_date=yesterday"],
)
def test_bad_parameters_are_422_json(base: str, query: str) -> None:
    status, body, _ = get(f"{base}/orders?{query}")
    name = query.split("=")[0]
    assert status == 422 and body["detail"][0]["loc"] == ["query", name]


def test_a_new_server_sees_appended_orders(tmp_path: Path) -> None:
    generate(tmp_path, seed=3, scale=0.01)
    manifest = append_orders(tmp_path, seed=3, n_orders=5, start=datetime(2017, 9, 1))
    with serve(tmp_path / "source") as url:
        assert {r["table_name"]: r["row_count"] for r in get(f"{url}/row-counts")[1]}["orders"] == manifest[
            "row_counts"
        ]["orders"]
        new = walk(f"{url}/orders?start_date=2017-09-01")[0]
        assert len(new) == 5 and all(len(o["items"]) >= 1 for o in new)
