"""Broken input is never lost: every record is loaded or quarantined with its origin, raw text and reason."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable
from pathlib import Path

import fastavro
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed
from file_source_helpers import FilePipeline, assert_quarantined, corpus_bytes

PRICES_HEADER = b"supply_id,sku,supplier,cost_cents,valid_from\n"
BROKEN_PRICES = [  # (line, bytes, expected reason or None when the row loads); line 1 is the header
    (2, b"S1,K1,Acme,10,2017-01-01", None),
    (3, b"S2,K1,Acme,11", "expected 5 columns, got 4"),
    (4, b"S3,K1,Acme,12,2017-01-01,extra", "expected 5 columns, got 6"),
    (5, b"S4,K1,Acme,twelve,2017-01-01", "column 'cost_cents': cannot read 'twelve' as bigint"),
    (6, b"S5,K1,Acme,13,2017-02-30", "column 'valid_from': cannot read '2017-02-30' as date"),
    (7, b"", None),  # blank: not a record
    (8, b"S6,K1,Ac\xffme,14,2017-01-01", "invalid UTF-8"),
    (9, b"S7,K1,Ac\x00me,15,2017-01-01", "NUL byte at byte 8"),
    (10, b'S8,K1,"Acme, Inc",16,2017-01-01', None),
    (11, b",K1,Acme,17,2017-01-01", "required column 'supply_id' is empty"),
    (12, b'S9,K1,"Acme', "unbalanced quotes"),
    (13, b"S10,K1,Acme,18,2017-01-0", "column 'valid_from': cannot read '2017-01-0' as date"),  # no newline
]
TWEET = {"id": "t1", "user_id": "u1", "tweeted_at": "2017-01-01T10:00:00", "content": "ok"}
BROKEN_TWEETS = [  # (line, bytes, expected reason or None when the row loads)
    (1, json.dumps(TWEET).encode(), None),
    (
        2,
        json.dumps({**TWEET, "id": "t2", "tweeted_at": "yesterday"}).encode(),
        "cannot read 'yesterday' as timestamp",
    ),
    (3, b"[1, 2, 3]", "not a JSON object (got an array)"),
    (4, b'"just a string"', "not a JSON object (got a string)"),
    (5, b"null", "not a JSON object (got null)"),
    (6, b'{"id": "t3", "user_id": "u1", "content": "x"', "invalid JSON"),
    (7, b"   ", None),  # blank: not a record
    (8, json.dumps({**TWEET, "id": "t4"}).encode().replace(b"ok", b"caf\xe9"), "invalid UTF-8"),
    (9, json.dumps({**TWEET, "id": "t5", "content": "a\x00b"}).encode(), "NUL character"),
    (10, json.dumps({**TWEET, "id": "t6"}).encode().replace(b"ok", b"a\x00b"), "NUL byte"),
    (11, json.dumps({**TWEET, "id": None}).encode(), "required column 'id' is missing or empty"),
    (
        12,
        json.dumps({**TWEET, "id": "t7", "tweeted_at": 1483264800}).encode(),
        "cannot read 1483264800 as timestamp",
    ),
    (13, json.dumps({**TWEET, "id": "t8", "tweeted_at": "2017-01-01T12:00:00+02:00"}).encode(), None),
    (14, json.dumps({**TWEET, "id": "t9", "tweeted_at": "2017-01-01T1"}).encode()[:-2], "invalid JSON"),
]


@pytest.mark.parametrize("chunk_bytes", [1 << 20, 16])
def test_broken_csv_rows_are_quarantined_and_the_rest_loads(
    tmp_path: Path, files_pipeline: FilePipeline, write_file: Callable[..., Path], chunk_bytes: int
) -> None:
    path = write_file(
        tmp_path / "in" / "supplier_prices" / "broken.csv", corpus_bytes(BROKEN_PRICES, PRICES_HEADER)
    )
    run = files_pipeline.run(str(tmp_path / "in"), chunk_bytes=chunk_bytes)
    records = [line for line in BROKEN_PRICES if line[1]]
    assert run.ledger.read == {"supplier_prices": len(records)}
    assert run.unbalanced() == []
    assert files_pipeline.rows("select supply_id, supplier, cost_cents from supplier_prices order by 1") == [
        ("S1", "Acme", 10),
        ("S8", "Acme, Inc", 16),
    ]
    assert_quarantined(files_pipeline, "supplier_prices", "line", BROKEN_PRICES)
    assert all(row["origin"].startswith(path.as_uri()) for row in files_pipeline.quarantine())
    quarantine = files_pipeline.pipeline.default_schema.tables["quarantine"]
    assert quarantine["write_disposition"] == "append"
    assert [c for c in quarantine["columns"] if not c.startswith("_dlt")] == [
        "table_name",
        "origin",
        "raw_text",
        "reason",
        "quarantined_at",
    ]


@pytest.mark.parametrize("name", ["broken.jsonl", "broken.jsonl.gz"])
def test_broken_json_lines_are_quarantined_and_the_rest_loads(
    tmp_path: Path, files_pipeline: FilePipeline, write_file: Callable[..., Path], name: str
) -> None:
    data = corpus_bytes(BROKEN_TWEETS)
    write_file(tmp_path / "in" / "tweets" / name, gzip.compress(data) if name.endswith(".gz") else data)
    run = files_pipeline.run(str(tmp_path / "in"), chunk_bytes=64)
    assert run.ledger.read == {"tweets": len([line for line in BROKEN_TWEETS if line[1].strip()])}
    assert run.unbalanced() == []
    loaded = files_pipeline.rows("select id, cast(tweeted_at as varchar) from tweets order by id")
    assert loaded == [("t1", "2017-01-01 10:00:00"), ("t8", "2017-01-01 10:00:00")]  # offsets stored as UTC
    assert_quarantined(files_pipeline, "tweets", "line", BROKEN_TWEETS)


def test_a_type_clash_is_quarantined_never_a_variant_column(
    tmp_path: Path, files_pipeline: FilePipeline, write_file: Callable[..., Path]
) -> None:
    good = json.dumps(TWEET).encode() + b"\n"
    write_file(tmp_path / "in" / "tweets" / "a.jsonl", good, 1_500_000_000)
    files_pipeline.run(str(tmp_path / "in"))
    clash = {**TWEET, "id": "t2", "tweeted_at": {"when": "now"}, "extra": "new column"}
    write_file(
        tmp_path / "in" / "tweets" / "b.jsonl", json.dumps(clash).encode() + b"\n" + good, 1_500_000_100
    )
    run = files_pipeline.run(str(tmp_path / "in"))
    assert run.unbalanced() == [] and run.ledger.quarantined == {"tweets": 1}
    columns = files_pipeline.pipeline.default_schema.tables["tweets"]["columns"]
    assert not [name for name in columns if "__v_" in name]
    assert columns["tweeted_at"]["data_type"] == "timestamp"
    assert files_pipeline.pipeline.default_schema.tables["tweets"]["schema_contract"]["data_type"] == "freeze"


def test_bad_parquet_and_avro_rows_are_quarantined_by_row_number(
    tmp_path: Path, files_pipeline: FilePipeline, write_file: Callable[..., Path]
) -> None:
    events = pa.table(
        {
            "event_id": ["e1", None, "e3", "e4"],
            "store_id": ["s1", "s1", "s1", "s\x001"],
            "event_type": ["visit"] * 4,
            "occurred_at": ["2017-01-01 10:00:00", "2017-01-01 11:00:00", "later", "2017-01-01 12:00:00"],
        }
    )
    buffer = io.BytesIO()
    pq.write_table(events, buffer)
    write_file(tmp_path / "in" / "store_events" / "e.parquet", buffer.getvalue())
    schema = {
        "type": "record",
        "name": "L",
        "fields": [
            {"name": "event_id", "type": ["null", "string"]},
            {"name": "customer_id", "type": "string"},
            {"name": "store_id", "type": "string"},
            {"name": "event_type", "type": "string"},
            {"name": "points", "type": "long"},
            {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        ],
    }
    record = {"event_id": "l1", "customer_id": "c", "store_id": "s", "event_type": "earn", "points": 5}
    records = [
        {**record, "occurred_at": 1_483_264_800_000_000},
        {**record, "event_id": None, "occurred_at": 0},
    ]
    buffer = io.BytesIO()
    fastavro.writer(buffer, fastavro.parse_schema(schema), records)
    write_file(tmp_path / "in" / "loyalty_events" / "l.avro", buffer.getvalue())

    run = files_pipeline.run(str(tmp_path / "in"), chunk_rows=2)
    assert run.unbalanced() == []
    assert run.ledger.read == {"store_events": 4, "loyalty_events": 2}
    reasons = {row["origin"].rsplit("/", 1)[1]: row["reason"] for row in files_pipeline.quarantine()}
    assert reasons == {
        "e.parquet:row 2": "required column 'event_id' is empty",
        "e.parquet:row 3": "column 'occurred_at': cannot read 'later' as timestamp",
        "e.parquet:row 4": "column 'store_id': NUL character in the value",
        "l.avro:row 2": "required column 'event_id' is missing or empty",
    }
    assert files_pipeline.rows("select event_id, cast(occurred_at as varchar) from store_events") == [
        ("e1", "2017-01-01 10:00:00")
    ]
    assert files_pipeline.rows("select event_id, cast(occurred_at as varchar) from loyalty_events") == [
        ("l1", "2017-01-01 10:00:00")  # an Avro UTC timestamp lands as naive UTC
    ]


@pytest.mark.parametrize(
    "path, data, names",
    [
        (
            "supplier_prices/a.csv",
            b"Supply ID,supply_id,sku,cost_cents,valid_from\n",
            ["'Supply ID'", "'supply_id'"],
        ),
        ("supplier_prices/a.csv", b"supply_id,sku,sku,cost_cents,valid_from\n", ["'sku', 'sku'"]),
        ("tweets/a.jsonl", json.dumps({**TWEET, "userId": "u2"}).encode(), ["'user_id'", "'userId'"]),
    ],
)
def test_colliding_column_names_fail_naming_them(
    tmp_path: Path,
    files_pipeline: FilePipeline,
    write_file: Callable[..., Path],
    path: str,
    data: bytes,
    names: list,
) -> None:
    write_file(tmp_path / "in" / path, data)
    with pytest.raises(PipelineStepFailed) as failure:
        files_pipeline.run(str(tmp_path / "in"))
    message = str(failure.value)
    assert "collide" in message and all(name in message for name in names), message
    assert files_pipeline.count(path.split("/")[0]) == 0


def _parquet(table: pa.Table) -> bytes:
    """A Parquet file's bytes."""
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


STORE_EVENT = {
    "event_id": "e1",
    "store_id": "s1",
    "event_type": "visit",
    "occurred_at": "2017-01-01 10:00:00",
}
POISON_FILES = [  # (path, unreadable bytes, the reason's text, the file's bytes once mended)
    (
        "store_events/torn.parquet",
        b"PAR1 this is not parquet",
        "not a readable Parquet file",
        _parquet(pa.Table.from_pylist([STORE_EVENT])),
    ),
    (
        "tweets/torn.jsonl.gz",
        gzip.compress(json.dumps({**TWEET, "id": "t2"}).encode(), mtime=0)[:-12],
        "cannot decompress the file",
        gzip.compress(json.dumps({**TWEET, "id": "t2"}).encode(), mtime=0),
    ),
    (
        "supplier_prices/torn.csv",
        b"supply_id,,sku\nS1,,K1\n",
        "the CSV header has an empty column name",
        PRICES_HEADER + b"S1,K1,Acme,10,2017-01-01\n",
    ),
]


@pytest.mark.parametrize("path, data, reason, mended", POISON_FILES, ids=[p[0] for p in POISON_FILES])
def test_an_unreadable_file_is_quarantined_whole_and_read_again_only_once_changed(
    tmp_path: Path,
    files_pipeline: FilePipeline,
    write_file: Callable[..., Path],
    path: str,
    data: bytes,
    reason: str,
    mended: bytes,
) -> None:
    table = path.split("/")[0]
    write_file(tmp_path / "in" / "tweets" / "good.jsonl", json.dumps(TWEET).encode(), 1_000_000)
    write_file(tmp_path / "in" / path, data, 1_000_000)
    run = files_pipeline.run(str(tmp_path / "in"))
    assert run.unbalanced() == []
    assert run.ledger.quarantined == {table: 1}
    [row] = files_pipeline.quarantine()
    assert row["table_name"] == table and row["origin"].endswith(path), row
    assert row["reason"].startswith("the whole file is unreadable") and reason in row["reason"], row
    assert files_pipeline.rows("select id from tweets") == [("t1",)]  # the rest of the drop loaded

    assert files_pipeline.run(str(tmp_path / "in")).ledger.read == {}  # not read again while unchanged

    write_file(tmp_path / "in" / path, mended, 2_000_000)
    run = files_pipeline.run(str(tmp_path / "in"))
    assert run.unbalanced() == [] and run.ledger.read == {table: 1} and run.ledger.quarantined == {}
    assert files_pipeline.count(table) == (2 if table == "tweets" else 1)


def test_a_file_unreadable_midway_keeps_what_was_read_and_quarantines_the_rest(
    tmp_path: Path, files_pipeline: FilePipeline, write_file: Callable[..., Path]
) -> None:
    lines = b"\n".join(json.dumps({**TWEET, "id": f"t{n}"}).encode() for n in range(200))
    write_file(tmp_path / "in" / "tweets" / "cut.jsonl.gz", gzip.compress(lines)[:-200])
    run = files_pipeline.run(str(tmp_path / "in"), chunk_bytes=256)
    assert run.unbalanced() == []
    [row] = files_pipeline.quarantine()
    loaded = files_pipeline.count("tweets")
    assert 0 < loaded < 200 and run.ledger.read == {"tweets": loaded + 1}
    assert row["reason"].startswith(
        f"the file is unreadable after {loaded} records (those were read): cannot"
    )
