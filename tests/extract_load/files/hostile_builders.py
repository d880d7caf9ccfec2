"""Bytes of hostile files, built in code: CSV and JSON Lines text (optionally gzipped), Parquet and Avro.

A builder takes the file's name and returns its bytes. ``{k}`` in a text body, and the default key of every
row, is the file's key prefix (``<name>#``), so each file's loaded rows can be found in the warehouse.
Damage (bytes cut off, zeros over the middle, bytes appended) wraps any builder.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import fastavro
import pyarrow as pa
import pyarrow.parquet as pq

Builder = Callable[[str], bytes]
PRICES_HEADER = "supply_id,sku,supplier,cost_cents,valid_from"
TWEET = {"user_id": "u1", "tweeted_at": "2017-01-01T10:00:00", "content": "ok"}
EVENT = {"store_id": "s1", "event_type": "visit", "occurred_at": "2017-01-01 10:00:00"}
LOYALTY = {
    "customer_id": "c1",
    "store_id": "s1",
    "event_type": "earn",
    "points": 5,
    "occurred_at": datetime(2017, 1, 1, 10),
}
LOYALTY_FIELDS = [
    *({"name": name, "type": "string"} for name in ("event_id", "customer_id", "store_id", "event_type")),
    {"name": "points", "type": "long"},
    {"name": "occurred_at", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
]


def text(body: str | bytes, encoding: str = "utf-8", gz: bool = False) -> Builder:
    """A text file in ``encoding``, optionally gzipped; ``{k}`` in ``body`` is the key prefix."""

    def build(name: str) -> bytes:
        if isinstance(body, str):
            data = body.replace("{k}", f"{name}#").encode(encoding)
        else:
            data = body.replace(b"{k}", f"{name}#".encode())
        return gzip.compress(data, mtime=0) if gz else data

    return build


def prices(*rows: str, header: str = PRICES_HEADER, end: str = "\n", **options: Any) -> Builder:
    """A supplier prices CSV file: the header, then ``rows``, each line ended by ``end``."""
    return text("".join(line + end for line in (header, *rows)), **options)


def tweets(*lines: dict[str, Any] | str, end: str = "\n", gz: bool = False) -> Builder:
    """A JSON Lines file: a dict is a tweet's changes (its id ``{k}<line number>`` unless given), a str the
    line as written."""
    body = [
        json.dumps({"id": f"{{k}}{number}", **TWEET, **line}) if isinstance(line, dict) else line
        for number, line in enumerate(lines, 1)
    ]
    return text("".join(line + end for line in body), gz=gz)


def events(rows: int, rename: dict[str, str] | None = None, **columns: Any) -> Builder:
    """A store events Parquet file (row groups of 3): ``columns`` replace (None drops) or add whole columns,
    given as values or as a function of the key prefix; ``rename`` renames columns, even to a taken name."""

    def build(name: str) -> bytes:
        data: dict[str, Any] = {"event_id": [f"{name}#{n}" for n in range(1, rows + 1)]}
        data |= {column: [value] * rows for column, value in EVENT.items()}
        data |= {column: value(f"{name}#") if callable(value) else value for column, value in columns.items()}
        table = pa.table({column: value for column, value in data.items() if value is not None})
        if rename:
            table = table.rename_columns([rename.get(column, column) for column in table.column_names])
        buffer = io.BytesIO()
        pq.write_table(table, buffer, row_group_size=3)
        return buffer.getvalue()

    return build


def loyalty(
    *records: Any, fields: list[dict[str, Any]] | None = None, schema: Any = None, **options: Any
) -> Builder:
    """A loyalty events Avro file: each record is a change to a default event (its id ``{k}<row>``) and
    ``fields`` add to or replace the demo's fields; with ``schema``, the records are written as given."""

    def build(name: str) -> bytes:
        rows = list(records)
        writer_schema = schema
        if schema is None:
            by_name = {field["name"]: field for field in [*LOYALTY_FIELDS, *(fields or [])]}
            writer_schema = {"type": "record", "name": "loyalty", "fields": list(by_name.values())}
            rows = [{"event_id": f"{name}#{n}", **LOYALTY, **change} for n, change in enumerate(records, 1)]
        buffer = io.BytesIO()
        fastavro.writer(buffer, fastavro.parse_schema(writer_schema), rows, **options)
        return buffer.getvalue()

    return build


def avro_field(name: str, avro_type: Any) -> dict[str, Any]:
    """One Avro field."""
    return {"name": name, "type": avro_type}


def decimal_field(name: str, precision: int, scale: int, fixed: int = 0) -> dict[str, Any]:
    """An Avro decimal field: its logical type on bytes, or on a fixed of ``fixed`` bytes."""
    logical = {"logicalType": "decimal", "precision": precision, "scale": scale}
    base = {"type": "fixed", "name": f"{name}_fixed", "size": fixed} if fixed else {"type": "bytes"}
    return avro_field(name, {**base, **logical})


def cut(build: Builder, part: slice) -> Builder:
    """The file cut to a slice of its bytes (a torn write)."""
    return lambda name: build(name)[part]


def zeroed(build: Builder, at: float = 0.5, count: int = 100) -> Builder:
    """The file with ``count`` zero bytes written over it from the fraction ``at`` of its length on."""

    def damage(name: str) -> bytes:
        data = build(name)
        start = int(len(data) * at)
        return data[:start] + bytes(count) + data[start + count :]

    return damage


def joined(*parts: Builder | bytes) -> Builder:
    """Files and bytes one after the other (gzip members, a byte-order mark, trailing garbage)."""
    return lambda name: b"".join(part if isinstance(part, bytes) else part(name) for part in parts)


def nested(depth: int, kind: str = "[") -> str:
    """A JSON value of ``depth`` arrays (``[``) or objects (``{``), one inside the other."""
    if kind == "[":
        return "[" * depth + "]" * depth
    return '{"a": ' * depth + "1" + "}" * depth


LONG_VALUE = "word, " * 900 + "\n" + "more\r\n" * 300  # far longer than a read block, with newlines
MANY_TWEETS = "".join(json.dumps({"id": f"{{k}}{n}", **TWEET}) + "\n" for n in range(1, 41))
