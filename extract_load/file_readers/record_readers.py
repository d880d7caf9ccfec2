"""Parquet and Avro: typed containers read in chunks of rows; declared columns are still checked per row.

A file that cannot be opened or decoded is a ``FileFormatError`` naming the rows it failed at (the caller adds
the file; nothing of it is loaded): any error raised inside pyarrow or fastavro becomes one. A row whose value
does not read as its declared type, does not fit the warehouse (beyond int64, a too wide decimal) or holds a
NUL character is rejected with its 1-based row number. A Parquet column name given twice fails the run, as a
repeated CSV header does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

import fastavro
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from extract_load.column_names import ColumnNameCollisionError

from .chunks import FileFormatError, ReadChunk, Reject
from .columns import ColumnRules, cast_table, check_record

_END = object()  # the end of an Avro file (a record of a "null" schema is None)


def _as_json(row: dict[str, Any]) -> bytes:
    """A row as JSON text for the quarantine (values JSON cannot hold are written as text)."""
    try:
        return orjson.dumps(row, default=str, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except orjson.JSONEncodeError:  # an integer beyond 64 bits, which the standard library writes exactly
        return json.dumps(row, default=str, ensure_ascii=False).encode()


def _failure(error: BaseException) -> str:
    """An error of pyarrow or fastavro as text, with its type when the message alone says little."""
    return f"{type(error).__name__}: {error}"


def _parquet_chunk(table: pa.Table, rules: ColumnRules, done: int) -> ReadChunk:
    """One chunk of Parquet rows: declared columns cast, bad rows rejected with their row numbers."""
    try:
        good, bad = cast_table(table, rules)
        rejects = [
            Reject(done + position + 1, _as_json(table.slice(position, 1).to_pylist()[0]), reason)
            for position, reason in bad.items()
        ]
    except pa.ArrowException as error:
        raise FileFormatError(
            f"Parquet rows {done + 1} to {done + table.num_rows} cannot be checked or cast: {_failure(error)}"
        ) from None
    return ReadChunk(good, rejects)


def read_parquet(stream: IO[bytes], rules: ColumnRules, chunk_rows: int) -> Iterator[ReadChunk]:
    """Chunks of ``chunk_rows`` rows of a Parquet file as Arrow tables (needs a seekable stream)."""
    try:
        parquet = pq.ParquetFile(stream)
        names = parquet.schema_arrow.names
    except (pa.ArrowException, OSError) as error:
        raise FileFormatError(f"not a readable Parquet file: {_failure(error)}") from None
    repeated = {name: [name, name] for name in names if names.count(name) > 1}
    if repeated:
        raise ColumnNameCollisionError(rules.table, repeated)
    missing = rules.missing_required(names)
    if missing:
        raise FileFormatError(f"the Parquet schema lacks required column(s) {missing}")
    done = 0
    batches = parquet.iter_batches(batch_size=chunk_rows)
    while True:
        try:
            batch = next(batches, None)
        except (pa.ArrowException, OSError) as error:
            raise FileFormatError(f"Parquet data unreadable after row {done}: {_failure(error)}") from None
        if batch is None:
            return
        chunk = _parquet_chunk(pa.Table.from_batches([batch]), rules, done)
        done += batch.num_rows
        yield chunk


def _avro_records(stream: IO[bytes]) -> Iterator[Any]:
    """Records of an Avro container file; any error of fastavro (a corrupt file) raises ``FileFormatError``."""
    done = 0
    try:
        records = fastavro.reader(stream)
    except Exception as error:  # fastavro raises many types for a bad header or schema
        raise FileFormatError(f"not a readable Avro file: {_failure(error)}") from None
    while True:
        try:
            record = next(records, _END)
        except Exception as error:  # e.g. ValueError, EOFError, KeyError, zlib.error, struct.error
            raise FileFormatError(f"Avro data unreadable after row {done}: {_failure(error)}") from None
        if record is _END:
            return
        done += 1
        yield record


def read_avro(stream: IO[bytes], rules: ColumnRules, chunk_rows: int) -> Iterator[ReadChunk]:
    """Chunks of ``chunk_rows`` records of an Avro container file as lists of dicts; the records read before
    the file breaks are yielded before the error is raised."""
    rows: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    try:
        for position, record in enumerate(_avro_records(stream), 1):
            reason = check_record(record, rules) if isinstance(record, dict) else "not an Avro record"
            if reason is None:
                rows.append(record)
            else:
                rejects.append(Reject(position, _as_json(record), reason))
            if len(rows) + len(rejects) >= chunk_rows:
                yield ReadChunk(rows, rejects)
                rows, rejects = [], []
    except FileFormatError:
        if rows or rejects:
            yield ReadChunk(rows, rejects)
        raise
    if rows or rejects:
        yield ReadChunk(rows, rejects)
