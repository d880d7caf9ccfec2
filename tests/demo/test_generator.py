"""Tests for the deterministic demo data generator (demo.data)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import duckdb
import fastavro
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from demo.data import append_orders, generate
from demo.data.__main__ import main as cli_main
from demo.data.transactions import tax_cents

SCALE = 0.02
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
SOURCE_COLUMNS = {
    "customers": ["id", "name"],
    "orders": ["id", "customer_id", "store_id", "ordered_at", "subtotal", "tax_paid", "order_total"],
    "items": ["id", "order_id", "sku"],
    "products": ["sku", "name", "type", "price", "description"],
    "stores": ["id", "name", "opened_at", "tax_rate"],
    "supplies": ["id", "name", "cost", "perishable", "sku"],
}


def file_hashes(root: Path) -> dict[str, str]:
    """Return sha256 per file under root, keyed by relative path."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generate one small data set for the module."""
    out = tmp_path_factory.mktemp("demo") / "data"
    generate(out, seed=42, scale=SCALE)
    return out


@pytest.fixture(scope="module")
def manifest(demo_dir: Path) -> dict:
    """Return the generated manifest."""
    return json.loads((demo_dir / "source" / "manifest.json").read_text())


@pytest.fixture()
def con(demo_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Return a DuckDB connection with a view per source table and landing drop."""
    con = duckdb.connect()
    for name in SOURCE_COLUMNS:
        path = (demo_dir / "source" / f"{name}.parquet").as_posix()
        con.execute(f"create view {name} as select * from read_parquet('{path}')")
    landing = demo_dir / "landing"
    tweets = [f"{landing.as_posix()}/tweets/*.jsonl", f"{landing.as_posix()}/tweets/*.jsonl.gz"]
    con.execute(f"create view tweets as select * from read_json({tweets!r})")
    con.execute(
        f"create view store_events as select * from read_parquet('{landing.as_posix()}/store_events/*.parquet')"
    )
    yield con
    con.close()


def test_same_seed_and_scale_give_identical_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=7, scale=0.01)
    generate(tmp_path / "b", seed=7, scale=0.01)
    assert file_hashes(tmp_path / "a") == file_hashes(tmp_path / "b")


def test_different_seed_gives_different_data(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=1, scale=0.01)
    generate(tmp_path / "b", seed=2, scale=0.01)
    a, b = file_hashes(tmp_path / "a"), file_hashes(tmp_path / "b")
    for name in ("customers", "orders", "items"):
        assert a[f"source/{name}.parquet"] != b[f"source/{name}.parquet"]
    assert a["source/products.parquet"] == b["source/products.parquet"]  # reference data is fixed


def test_regenerating_into_the_same_folder_replaces_stale_drops(tmp_path: Path) -> None:
    generate(tmp_path, seed=3, scale=0.01)
    stale = tmp_path / "landing" / "tweets" / "tweets_1999-01.jsonl"
    stale.write_text("{}\n")
    manifest = generate(tmp_path, seed=3, scale=0.01)
    assert not stale.exists()
    assert sorted(manifest["files"]) == sorted(
        k for k in file_hashes(tmp_path) if k != "source/manifest.json"
    )


def test_scale_changes_sizes_proportionally(tmp_path: Path, manifest: dict) -> None:
    bigger = generate(tmp_path, seed=42, scale=SCALE * 5)
    for name in ("customers", "orders", "items"):
        ratio = bigger["row_counts"][name] / manifest["row_counts"][name]
        assert 4.5 <= ratio <= 5.5, (name, ratio)
    for name in ("products", "stores", "supplies"):
        assert bigger["row_counts"][name] == manifest["row_counts"][name]
    assert bigger["landing_row_counts"]["tweets"] == 5 * manifest["landing_row_counts"]["tweets"]


@pytest.mark.parametrize("scale", [0, -1, float("nan")])
def test_invalid_scale_is_rejected(tmp_path: Path, scale: float) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, scale=scale)


def test_source_schemas_match_the_contract(demo_dir: Path) -> None:
    for name, columns in SOURCE_COLUMNS.items():
        schema = pq.read_schema(demo_dir / "source" / f"{name}.parquet")
        assert schema.names == columns
    orders = pq.read_schema(demo_dir / "source" / "orders.parquet")
    assert orders.field("ordered_at").type == pa.timestamp("us")  # naive: no time zone
    for money in ("subtotal", "tax_paid", "order_total"):
        assert pa.types.is_integer(orders.field(money).type)
    supplies = pq.read_schema(demo_dir / "source" / "supplies.parquet")
    assert supplies.field("perishable").type == pa.bool_()


def test_reference_tables_look_like_the_public_data_set(con: duckdb.DuckDBPyConnection) -> None:
    stores = dict(con.execute("select name, opened_at from stores").fetchall())
    assert stores["Philadelphia"] == datetime(2016, 9, 1)
    assert stores["Brooklyn"] == datetime(2017, 3, 12)
    assert len(stores) == 6 and all(
        v > datetime(2017, 9, 1) for k, v in stores.items() if k not in ("Philadelphia", "Brooklyn")
    )
    products = con.execute("select sku, type, price from products order by sku").fetchall()
    assert [p[0] for p in products] == [f"BEV-00{i}" for i in range(1, 6)] + [
        f"JAF-00{i}" for i in range(1, 6)
    ]
    assert {p[1] for p in products if p[0].startswith("JAF")} == {"jaffle"}
    assert {p[1] for p in products if p[0].startswith("BEV")} == {"beverage"}
    assert all(isinstance(p[2], int) and p[2] > 0 for p in products)
    rows, keys, ids = con.execute(
        "select count(*), count(distinct (id, sku)), count(distinct id) from supplies"
    ).fetchone()
    assert rows == keys == 65 and ids < rows  # id repeats across skus; (id, sku) is the key


def test_order_money_invariants(con: duckdb.DuckDBPyConnection) -> None:
    bad = con.execute(
        """
        with item_sums as (
            select i.order_id, sum(p.price) as subtotal, count(*) as n
            from items as i join products as p on p.sku = i.sku group by i.order_id
        )
        select count(*) filter (where o.order_total <> o.subtotal + o.tax_paid),
               count(*) filter (where o.subtotal <> s.subtotal or s.subtotal is null),
               count(*) filter (where s.n not between 1 and 5),
               count(*) filter (where o.tax_paid <> floor(o.subtotal * round(st.tax_rate * 10000) / 10000 + 0.5))
        from orders as o
        left join item_sums as s on s.order_id = o.id
        join stores as st on st.id = o.store_id
        """
    ).fetchone()
    assert bad == (0, 0, 0, 0)


def test_tax_rounding_is_half_up() -> None:
    subtotal = np.array([25, 75, 24, 26, 1250])
    assert tax_cents(subtotal, np.full(5, 600)).tolist() == [2, 5, 1, 2, 75]


def test_orders_reference_open_stores_and_known_customers(con: duckdb.DuckDBPyConnection) -> None:
    bad = con.execute(
        """
        select count(*) filter (where s.id is null or o.ordered_at < s.opened_at),
               count(*) filter (where c.id is null),
               min(o.ordered_at), max(o.ordered_at), count(distinct o.id) = count(*)
        from orders as o left join stores as s on s.id = o.store_id left join customers as c on c.id = o.customer_id
        """
    ).fetchone()
    assert bad[:2] == (0, 0)
    assert bad[2] >= datetime(2016, 9, 1) and bad[3] < datetime(2017, 9, 1)
    assert bad[4]


def test_items_reference_existing_orders_and_products(con: duckdb.DuckDBPyConnection) -> None:
    orphans = con.execute(
        """
        select count(*) filter (where o.id is null), count(*) filter (where p.sku is null),
               count(distinct i.id) = count(*)
        from items as i left join orders as o on o.id = i.order_id left join products as p on p.sku = i.sku
        """
    ).fetchone()
    assert orphans == (0, 0, True)


def test_manifest_matches_the_data(con: duckdb.DuckDBPyConnection, manifest: dict, demo_dir: Path) -> None:
    for name in SOURCE_COLUMNS:
        assert manifest["row_counts"][name] == con.execute(f"select count(*) from {name}").fetchone()[0]
    sums = con.execute(
        "select sum(order_total), sum(subtotal), sum(tax_paid), strftime(min(ordered_at), '%Y-%m-%dT%H:%M:%S'), "
        "strftime(max(ordered_at), '%Y-%m-%dT%H:%M:%S') from orders"
    ).fetchone()
    assert (
        manifest["order_total_cents"],
        manifest["subtotal_cents"],
        manifest["tax_paid_cents"],
        manifest["first_ordered_at"],
        manifest["last_ordered_at"],
    ) == sums
    assert manifest["seed"] == 42 and manifest["scale"] == SCALE
    written = set(file_hashes(demo_dir)) - {"source/manifest.json"}
    assert set(manifest["files"]) == written
    assert (
        manifest["landing_row_counts"]["tweets"] == con.execute("select count(*) from tweets").fetchone()[0]
    )
    assert (
        manifest["landing_row_counts"]["store_events"]
        == con.execute("select count(*) from store_events").fetchone()[0]
    )
    assert manifest["landing_row_counts"]["loyalty_events"] == len(loyalty_records(demo_dir))


def loyalty_records(demo_dir: Path) -> list[dict]:
    """Every record of the Avro loyalty drop, in file order."""
    records = []
    for path in sorted((demo_dir / "landing" / "loyalty_events").glob("loyalty_*.avro")):
        with path.open("rb") as handle:
            records += list(fastavro.reader(handle))
    return records


def test_tweets_are_json_lines_about_real_customers(demo_dir: Path, con: duckdb.DuckDBPyConnection) -> None:
    customers = {row[0] for row in con.execute("select id from customers").fetchall()}
    files = sorted((demo_dir / "landing" / "tweets").glob("tweets_*.jsonl*"))
    assert {path.suffix for path in files} == {".jsonl", ".gz"}  # plain and gzipped files both land
    for path in files:
        month = re.fullmatch(r"tweets_(\d{4}-\d{2})\.jsonl(\.gz)?", path.name).group(1)
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        assert (path.suffix == ".gz") == (month >= "2017-01")
        for line in data.decode("utf-8").splitlines():
            tweet = json.loads(line)
            assert list(tweet) == ["id", "user_id", "tweeted_at", "content"]
            assert tweet["user_id"] in customers
            assert ISO.match(tweet["tweeted_at"]) and tweet["tweeted_at"].startswith(month)
            assert tweet["content"]


def test_supplier_prices_reference_real_supplies(demo_dir: Path, con: duckdb.DuckDBPyConnection) -> None:
    supplies = set(con.execute("select id, sku from supplies").fetchall())
    files = sorted((demo_dir / "landing" / "supplier_prices").glob("prices_*.csv"))
    assert len(files) >= 3
    for path in files:
        valid_from = date.fromisoformat(path.stem.removeprefix("prices_"))
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            assert reader.fieldnames == ["supply_id", "sku", "supplier", "cost_cents", "valid_from"]
            rows = list(reader)
        assert {(r["supply_id"], r["sku"]) for r in rows} == supplies
        assert all(int(r["cost_cents"]) > 0 and r["valid_from"] == valid_from.isoformat() for r in rows)


def test_store_events_reference_open_stores(demo_dir: Path, con: duckdb.DuckDBPyConnection) -> None:
    first = sorted((demo_dir / "landing" / "store_events").glob("events_*.parquet"))[0]
    assert pq.read_schema(first).names == ["event_id", "store_id", "event_type", "occurred_at"]
    assert pq.read_schema(first).field("occurred_at").type == pa.timestamp("us")
    bad = con.execute(
        """
        select count(*) filter (where s.id is null or e.occurred_at < s.opened_at),
               count(*) filter (where e.event_type not in ('visit', 'purchase', 'complaint')),
               count(distinct e.event_id) = count(*)
        from store_events as e left join stores as s on s.id = e.store_id
        """
    ).fetchone()
    assert bad == (0, 0, True)


def test_loyalty_events_are_avro_records_of_real_orders(
    demo_dir: Path, con: duckdb.DuckDBPyConnection, manifest: dict
) -> None:
    first = sorted((demo_dir / "landing" / "loyalty_events").glob("loyalty_*.avro"))[0]
    with first.open("rb") as handle:
        schema = fastavro.reader(handle).writer_schema
    assert [field["name"] for field in schema["fields"]] == [
        "event_id",
        "customer_id",
        "store_id",
        "event_type",
        "points",
        "occurred_at",
    ]
    records = loyalty_records(demo_dir)
    orders = {
        (customer, store, at): total
        for customer, store, at, total in con.execute(
            "select customer_id, store_id, ordered_at, order_total from orders"
        ).fetchall()
    }
    assert len({r["event_id"] for r in records}) == len(records) > 0
    assert [r["occurred_at"] for r in records] == sorted(r["occurred_at"] for r in records)
    for record in records:
        total = orders[(record["customer_id"], record["store_id"], record["occurred_at"])]  # a real order
        expected = -100 if record["event_type"] == "redeem" else total // 100
        assert record["event_type"] in ("earn", "redeem") and record["points"] == expected
    assert {r["event_type"] for r in records} == {"earn", "redeem"}


def test_append_orders_adds_a_deterministic_later_batch(
    tmp_path: Path, demo_dir: Path, manifest: dict
) -> None:
    copies = [tmp_path / "a", tmp_path / "b"]
    for copy in copies:
        shutil.copytree(demo_dir, copy)
    start = datetime(2017, 9, 2, 12, 30)
    updated = [append_orders(copy, seed=42, n_orders=40, start=start, days=2) for copy in copies]
    assert file_hashes(copies[0]) == file_hashes(copies[1])

    after = updated[0]
    assert after["row_counts"]["orders"] == manifest["row_counts"]["orders"] + 40
    batch = after["appended_batches"][0]
    assert after["row_counts"]["items"] == manifest["row_counts"]["items"] + batch["items"]
    assert after["order_total_cents"] == manifest["order_total_cents"] + batch["order_total_cents"]
    assert after["last_ordered_at"] < "2017-09-04T00:00:00"

    orders = pq.read_table(copies[0] / "source" / "orders.parquet").to_pylist()
    new = [o for o in orders if o["ordered_at"] >= datetime(2017, 9, 1)]
    assert len(new) == 40 and all(o["ordered_at"] >= start for o in new)
    assert len({o["id"] for o in orders}) == len(orders)
    assert json.loads((copies[0] / "source" / "manifest.json").read_text()) == after


def test_cli_prints_one_line_per_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["--out", str(tmp_path), "--seed", "5", "--scale", "0.01"]) == 0
    out = capsys.readouterr().out
    for name in (*SOURCE_COLUMNS, "tweets", "supplier_prices", "store_events", "loyalty_events"):
        assert re.search(rf"^{name}\s+[\d,]+ rows", out, re.MULTILINE), name
    assert (tmp_path / "source" / "manifest.json").is_file()
