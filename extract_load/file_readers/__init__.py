"""Streaming file readers that never lose a record: each chunk holds good rows and rejects with reasons.

Text formats (CSV, JSON Lines) are cut in blocks of bytes and rejects carry line numbers; typed containers
(Parquet, Avro) are cut in chunks of rows and rejects carry row numbers. Compression is the caller's concern
(open gzipped files decompressed). Readers only read: counting and quarantining is the source's job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, NamedTuple

from .chunks import FileFormatError, ReadChunk, Reject, line_blocks
from .columns import ColumnRules
from .csv_reader import read_csv
from .jsonl_reader import read_jsonl
from .record_readers import read_avro, read_parquet

Reader = Callable[[IO[bytes], ColumnRules, int], Iterator[ReadChunk]]


class FileFormat(NamedTuple):
    """A format's reader, what its chunk size counts (bytes or rows) and what a reject's position counts."""

    read: Reader
    chunk_unit: str
    position_unit: str


READERS: dict[str, FileFormat] = {
    "csv": FileFormat(read_csv, "bytes", "line"),
    "jsonl": FileFormat(read_jsonl, "bytes", "line"),
    "parquet": FileFormat(read_parquet, "rows", "row"),
    "avro": FileFormat(read_avro, "rows", "row"),
}

__all__ = [
    "READERS",
    "ColumnRules",
    "FileFormat",
    "FileFormatError",
    "ReadChunk",
    "Reader",
    "Reject",
    "line_blocks",
    "read_avro",
    "read_csv",
    "read_jsonl",
    "read_parquet",
]
