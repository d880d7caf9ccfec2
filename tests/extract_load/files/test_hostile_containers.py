"""Hostile Parquet and Avro: unsigned 64-bit columns, wide decimals and errors raised inside pyarrow or fastavro."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import fastavro
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from file_source_helpers import FilePipeline

from extract_load.file_readers import ColumnRules, FileFormatError, read_avro, read_parquet

BEYOND = "is beyond the 64-bit integer range (declare the column as decimal or text to keep it)"
EVENT = {"store_id": "s1", "event_type": "visit", "occurred_at": "2017-01-01 10:00:00"}
AVRO_FIELDS = [
    {"name": "event_id", "type": "string"},
    {"name": "customer_id", "type": "string"},
    {"name": "store_id", "type": "string"},
    {"name": "event_type", "type": "string"},
    {"name": "points", "type": "long"},
    {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-micros"}},
    {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 45, "scale": 12}},
]
LOYALTY = {"customer_id": "c", "store_id": "s", "event_type": "earn", "points": 5, "occurred_at": 0}


def parquet_bytes(table: pa.Table, **options: object) -> bytes:
    """A Parquet file of ``table`` in memory."""
    buffer = io.BytesIO()
    pq.write_table(table, buffer, **options)
    return buffer.getvalue()


def avro_bytes(fields: list[dict], records: list[dict], **options: object) -> bytes:
    """An Avro container file of ``records`` in memory."""
    buffer = io.BytesIO()
    schema = fastavro.parse_schema({"type": "record", "name": "r", "fields": fields})
    fastavro.writer(buffer, schema, records, **options)
    return buffer.getvalue()


def test_extreme_numbers_load_when_they_fit_and_are_quarantined_when_not(
    tmp_path: Path, files_pipeline: FilePipeline, write_file: Callable[..., Path]
) -> None:
    events = pa.table(
        {
            "event_id": ["e1", "e2", "e3", "e4", "e5"],
            **{name: [value] * 5 for name, value in EVENT.items()},
            "visits": pa.array([1, 2**63 - 1, 2**63, 2**64 - 1, None], pa.uint64()),
            "total": pa.array(
                [Decimal("1.50"), Decimal(10**35), Decimal("2.25"), Decimal("3"), Decimal(10**36)],
                pa.decimal256(50, 2),
            ),
        }
    )
    write_file(tmp_path / "in" / "store_events" / "wide.parquet", parquet_bytes(events))
    amounts = ["1.25", "12345678901234567890123456789.123456789", "0.0000000001", str(10**29)]
    records = [{**LOYALTY, "event_id": f"l{n}", "amount": Decimal(a)} for n, a in enumerate(amounts, 1)]
    write_file(tmp_path / "in" / "loyalty_events" / "wide.avro", avro_bytes(AVRO_FIELDS, records))

    run = files_pipeline.run(str(tmp_path / "in"), chunk_rows=2)
    assert run.ledger.read == {"store_events": 5, "loyalty_events": 4}
    assert run.ledger.quarantined == {"store_events": 3, "loyalty_events": 2}
    assert run.unbalanced() == []
    assert files_pipeline.rows("select event_id, visits, total from store_events order by event_id") == [
        ("e1", 1, Decimal("1.50")),
        ("e2", 2**63 - 1, Decimal(10**35)),
    ]
    assert files_pipeline.rows("select event_id, amount from loyalty_events order by event_id") == [
        ("l1", Decimal("1.25")),
        ("l2", Decimal("12345678901234567890123456789.123456789")),
    ]
    reasons = {row["origin"].rsplit("/", 1)[1]: row["reason"] for row in files_pipeline.quarantine()}
    assert reasons == {
        "wide.parquet:row 3": f"column 'visits': {2**63} {BEYOND}",
        "wide.parquet:row 4": f"column 'visits': {2**64 - 1} {BEYOND}",
        "wide.parquet:row 5": f"column 'total': {Decimal(10**36)}.00 does not fit decimal128(38, 2), "
        "the widest decimal (declare the column as text to keep it)",
        "wide.avro:row 3": "column 'amount': 0.000000000100 does not fit the default decimal(38, 9) "
        "(declare the column as decimal or text to keep it with its precision)",
        "wide.avro:row 4": f"column 'amount': {10**29}.000000000000 does not fit the default decimal(38, 9) "
        "(declare the column as decimal or text to keep it with its precision)",
    }
    raw = {row["origin"].rsplit("/", 1)[1]: row["raw_text"] for row in files_pipeline.quarantine()}
    assert f'"visits":{2**64 - 1}' in raw["wide.parquet:row 4"]  # the raw row keeps the exact value


DECLARED = ColumnRules.from_hints(
    "t",
    {
        "id": {"data_type": "bigint"},
        "as_text": {"data_type": "text"},
        "as_decimal": {"data_type": "decimal", "precision": 20, "scale": 0},
        "price": {"data_type": "decimal", "precision": 10, "scale": 2},
    },
    "id",
)


def test_unsigned_64_bit_parquet_reads_as_its_declared_type() -> None:
    big = [0, 2**63 - 1, 2**64 - 1]
    table = pa.table({name: pa.array(big, pa.uint64()) for name in ("id", "as_text", "as_decimal")})
    (chunk,) = read_parquet(io.BytesIO(parquet_bytes(table)), DECLARED, 10)
    assert chunk.rows.column("id").to_pylist() == [0, 2**63 - 1]
    assert chunk.rows.column("as_text").to_pylist() == ["0", str(2**63 - 1)]
    assert chunk.rows.column("as_decimal").to_pylist() == [Decimal(0), Decimal(2**63 - 1)]
    assert [(reject.position, reject.reason) for reject in chunk.rejects] == [
        (
            3,
            f"column 'id': cannot read {2**64 - 1} as bigint (beyond the 64-bit integer range: "
            "declare the column as decimal or text to keep it)",
        )
    ]


def test_avro_decimals_read_as_their_declared_type() -> None:
    fields = [
        {"name": "id", "type": "long"},
        {"name": "as_text", "type": {"type": "bytes", "logicalType": "decimal", "precision": 40, "scale": 3}},
        {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 3}},
    ]
    records = [
        {"id": 1, "as_text": Decimal("1234567890123456789012345678901234567.125"), "price": Decimal("9.990")},
        {"id": 2, "as_text": Decimal("0.001"), "price": Decimal("9.995")},
        {"id": 3, "as_text": Decimal("0"), "price": Decimal("123456789.000")},
    ]
    (chunk,) = read_avro(io.BytesIO(avro_bytes(fields, records)), DECLARED, 10)
    assert chunk.rows == [
        {"id": 1, "as_text": "1234567890123456789012345678901234567.125", "price": Decimal("9.990")}
    ]
    assert [(reject.position, reject.reason) for reject in chunk.rejects] == [
        (
            2,
            "column 'price': cannot read Decimal('9.995') as decimal (not exactly a decimal128(10, 2): "
            "widen the declared precision or scale, or declare text)",
        ),
        (
            3,
            "column 'price': cannot read Decimal('123456789.000') as decimal (not exactly a decimal128(10, 2): "
            "widen the declared precision or scale, or declare text)",
        ),
    ]


def corrupt(data: bytes) -> bytes:
    """The file with 50 zero bytes written over its middle."""
    middle = len(data) // 2
    return data[:middle] + bytes(50) + data[middle + 50 :]


RECORDS = [{**LOYALTY, "event_id": f"l{n}", "amount": Decimal(n)} for n in range(1_000)]


@pytest.mark.parametrize(
    "name, data, message",
    [
        (
            "store_events/torn.parquet",
            corrupt(
                parquet_bytes(pa.table({"event_id": [f"e{n}" for n in range(1_000)]}), row_group_size=100)
            ),
            r"torn\.parquet: Parquet data unreadable after row \d+: OSError: ",
        ),
        (
            "loyalty_events/torn.avro",
            corrupt(avro_bytes(AVRO_FIELDS, RECORDS, codec="deflate", sync_interval=2_000)),
            r"torn\.avro: Avro data unreadable after row \d+: \w+: ",
        ),
        (
            "loyalty_events/header.avro",
            avro_bytes(AVRO_FIELDS, RECORDS[:1]).replace(b"null", b"nul!", 1),
            r"header\.avro: (not a readable Avro file|Avro data unreadable after row 0): \w+: ",
        ),
    ],
    ids=["torn-parquet", "torn-avro", "avro-header"],
)
def test_an_error_inside_pyarrow_or_fastavro_names_the_file_and_row(
    tmp_path: Path,
    files_pipeline: FilePipeline,
    write_file: Callable[..., Path],
    name: str,
    data: bytes,
    message: str,
) -> None:
    write_file(tmp_path / "in" / name, data)
    with pytest.raises(FileFormatError, match=message.split(": ", 1)[1]):
        reader = read_parquet if name.endswith(".parquet") else read_avro
        for _ in reader(io.BytesIO(data), ColumnRules("t"), 100):
            pass
    run = files_pipeline.run(str(tmp_path / "in"))  # the file is quarantined whole, naming where it broke
    assert run.unbalanced() == []
    reasons = [row for row in files_pipeline.quarantine() if name in row["origin"]]
    assert reasons, f"{name} is not in the quarantine: {files_pipeline.quarantine()}"
    assert any(re.search(message.split(": ", 1)[1], row["reason"]) for row in reasons), reasons
