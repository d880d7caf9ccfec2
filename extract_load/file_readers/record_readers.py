"""Parquet and Avro: typed containers read in chunks of rows; declared columns are still checked per row.

A file that cannot be opened or decoded is a ``FileFormatError`` (nothing of it is loaded); a row whose value
does not read as its declared type, or holds a NUL character, is rejected with its 1-based row number.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import fastavro
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from .chunks import FileFormatError, ReadChunk, Reject
from .columns import ColumnRules, cast_table, check_record


def _as_json(row: dict[str, Any]) -> bytes:
    """A row as JSON text for the quarantine (values JSON cannot hold are written as text)."""
    return orjson.dumps(row, default=str, option=orjson.OPT_PASSTHROUGH_DATETIME)


def read_parquet(stream: IO[bytes], rules: ColumnRules, chunk_rows: int) -> Iterator[ReadChunk]:
    """Chunks of ``chunk_rows`` rows of a Parquet file as Arrow tables (needs a seekable stream)."""
    try:
        parquet = pq.ParquetFile(stream)
        missing = rules.missing_required(parquet.schema_arrow.names)
    except (pa.ArrowInvalid, OSError) as error:
        raise FileFormatError(f"not a readable Parquet file: {error}") from None
    if missing:
        raise FileFormatError(f"the Parquet schema lacks required column(s) {missing}")
    done = 0
    batches = parquet.iter_batches(batch_size=chunk_rows)
    while True:
        try:
            batch = next(batches, None)
        except (pa.ArrowInvalid, OSError) as error:
            raise FileFormatError(f"Parquet data unreadable after row {done}: {error}") from None
        if batch is None:
            return
        table = pa.Table.from_batches([batch])
        good, bad = cast_table(table, rules)
        rejects = [
            Reject(done + position + 1, _as_json(table.slice(position, 1).to_pylist()[0]), reason)
            for position, reason in bad.items()
        ]
        done += table.num_rows
        yield ReadChunk(good, rejects)


def _avro_records(stream: IO[bytes]) -> Iterator[dict[str, Any]]:
    """Records of an Avro container file, a corrupt file raising ``FileFormatError``."""
    done = 0
    try:
        for record in fastavro.reader(stream):
            yield record
            done += 1
    except (ValueError, EOFError, OSError, fastavro.read.SchemaResolutionError) as error:
        raise FileFormatError(f"Avro data unreadable after row {done}: {error}") from None


def read_avro(stream: IO[bytes], rules: ColumnRules, chunk_rows: int) -> Iterator[ReadChunk]:
    """Chunks of ``chunk_rows`` records of an Avro container file as lists of dicts."""
    rows: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    for position, record in enumerate(_avro_records(stream), 1):
        reason = check_record(record, rules) if isinstance(record, dict) else "not an Avro record"
        if reason is None:
            rows.append(record)
        else:
            rejects.append(Reject(position, _as_json(record), reason))
        if len(rows) + len(rejects) >= chunk_rows:
            yield ReadChunk(rows, rejects)
            rows, rejects = [], []
    if rows or rejects:
        yield ReadChunk(rows, rejects)
