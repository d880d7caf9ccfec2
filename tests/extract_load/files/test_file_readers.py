"""The streaming readers on their own: bounded blocks, several chunks for a big file, every row accounted for."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import fastavro
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from extract_load.file_readers import ColumnRules, line_blocks, read_avro, read_csv, read_jsonl, read_parquet
from extract_load.file_readers.columns import cast_table, check_record

RULES = ColumnRules.from_hints(
    "t",
    {
        "id": {"data_type": "bigint"},
        "day": {"data_type": "date"},
        "at": {"data_type": "timestamp", "timezone": False},
    },
    "id",
)
ROWS = 1_000


def test_line_blocks_keep_lines_whole_and_numbered() -> None:
    data = b"a\n\n" + b"x" * 50 + b"\nb\r\nlast"
    blocks = list(line_blocks(io.BytesIO(data), 8))
    lines = [(number, line) for first, block in blocks for number, line in enumerate(block, first)]
    assert lines == [(1, b"a"), (2, b""), (3, b"x" * 50), (4, b"b\r"), (5, b"last")]
    assert len(blocks) > 2
    for _, block in blocks:  # a block holds at most one block of bytes beyond its longest line
        assert sum(len(line) + 1 for line in block) <= 8 + 50 + 1 + 8


def test_a_csv_bigger_than_a_block_streams_in_several_chunks() -> None:
    # with a byte-order mark and CRLF line ends, as spreadsheet exports write them
    body = "".join(f"{n},2017-01-{n % 28 + 1:02d},2017-01-01 10:00:{n % 60:02d}\r\n" for n in range(ROWS))
    chunks = list(read_csv(io.BytesIO(("\ufeffid,day,at\r\n" + body).encode()), RULES, 2_048))
    assert len(chunks) > 10
    table = pa.concat_tables([chunk.rows for chunk in chunks])
    assert sum(chunk.read for chunk in chunks) == ROWS and not any(chunk.rejects for chunk in chunks)
    assert table.column("id").to_pylist() == list(range(ROWS))
    assert table.schema.field("day").type == pa.date32() and table.schema.field("at").type == pa.timestamp(
        "us"
    )


def test_json_lines_bigger_than_a_block_stream_in_several_chunks() -> None:
    lines = b"".join(
        json.dumps({"id": n, "at": "2017-01-01T10:00:00Z"}).encode() + b"\n" for n in range(ROWS)
    )
    chunks = list(read_jsonl(io.BytesIO(lines), RULES, 1_024))
    assert len(chunks) > 10
    rows = [row for chunk in chunks for row in chunk.rows]
    assert [row["id"] for row in rows] == list(range(ROWS))
    assert rows[0]["at"] == datetime(2017, 1, 1, 10)  # an offset is converted to UTC, stored naive


def test_parquet_and_avro_stream_in_chunks_of_rows() -> None:
    table = pa.table({"id": pa.array(range(ROWS), pa.int64()), "day": pa.array([date(2017, 1, 1)] * ROWS)})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, row_group_size=300)
    buffer.seek(0)
    chunks = list(read_parquet(buffer, RULES, 128))
    assert len(chunks) >= ROWS // 128 and sum(chunk.read for chunk in chunks) == ROWS
    assert pa.concat_tables([chunk.rows for chunk in chunks]).column("id").to_pylist() == list(range(ROWS))

    schema = {"type": "record", "name": "r", "fields": [{"name": "id", "type": "long"}]}
    avro = io.BytesIO()
    fastavro.writer(avro, fastavro.parse_schema(schema), ({"id": n} for n in range(ROWS)))
    avro.seek(0)
    chunks = list(read_avro(avro, RULES, 128))
    assert len(chunks) == -(-ROWS // 128)
    assert [row["id"] for chunk in chunks for row in chunk.rows] == list(range(ROWS))


def test_a_failing_cast_falls_back_to_values_for_that_column_only() -> None:
    strings = pa.table(
        {
            "id": ["1", "2", "x", "4"],
            "day": ["2017-01-01", "2017-01-02", "2017-01-03", "2017-01-04"],
            "at": ["2017-01-01T10:00:00", "2017-01-01T12:00:00+02:00", None, "nope"],
        }
    )
    table, bad = cast_table(strings, RULES)
    assert bad == {
        2: "column 'id': cannot read 'x' as bigint",
        3: "column 'at': cannot read 'nope' as timestamp",
    }
    assert table.column("id").to_pylist() == [1, 2]
    assert table.column("at").to_pylist() == [datetime(2017, 1, 1, 10), datetime(2017, 1, 1, 10)]
    assert table.schema.field("id").nullable is False  # a required column is declared not null to dlt


@pytest.mark.parametrize(
    "record, reason",
    [
        ({"id": "7", "day": "2017-01-01"}, None),
        ({"id": 7.0}, None),
        ({"id": 7.5}, "column 'id': cannot read 7.5 as bigint"),
        ({"id": True}, "column 'id': cannot read True as bigint"),
        (
            {"id": 2**63},
            f"column 'id': cannot read {2**63} as bigint (beyond the 64-bit integer range: "
            "declare the column as decimal or text to keep it)",
        ),
        ({"id": 1, "day": "2017-02-30"}, "column 'day': cannot read '2017-02-30' as date"),
        ({"id": 1, "note": "a\x00b"}, "column 'note': NUL character in the value"),
        ({"Id": None}, "required column 'id' is missing or empty"),
    ],
)
def test_records_are_checked_against_declared_columns(record: dict, reason: str | None) -> None:
    assert check_record(dict(record), RULES) == reason
