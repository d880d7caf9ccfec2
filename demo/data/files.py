"""Atomic, deterministic file writes (same data => same bytes)."""

from __future__ import annotations

import gzip
import io
import os
from pathlib import Path
from typing import Any

import fastavro
import pyarrow as pa
import pyarrow.parquet as pq

PARQUET_OPTIONS = {"compression": "zstd", "row_group_size": 1 << 20, "use_dictionary": True}
# Avro files end blocks with a sync marker that is random by default; a fixed one keeps the bytes stable.
AVRO_SYNC_MARKER = b"jaffle-shop-avro"


def _temp_path(path: Path) -> Path:
    """Return the temporary sibling a file is written to before it is renamed into place."""
    return path.with_name(f".{path.name}.tmp")


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write a table to Parquet, replacing the file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(path)
    pq.write_table(table, tmp, **PARQUET_OPTIONS)
    os.replace(tmp, path)


def write_bytes(data: bytes, path: Path) -> None:
    """Write bytes to a file, replacing it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(path)
    tmp.write_bytes(data)
    os.replace(tmp, path)


def remove_matching(folder: Path, pattern: str) -> None:
    """Delete files in folder matching a glob pattern (stale drops of an earlier run)."""
    if folder.is_dir():
        for old in folder.glob(pattern):
            old.unlink()


def gzip_bytes(data: bytes) -> bytes:
    """Gzip-compress bytes with no timestamp or file name in the header, so equal data gives equal bytes."""
    return gzip.compress(data, compresslevel=6, mtime=0)


def write_avro(records: list[dict[str, Any]], schema: dict, path: Path) -> None:
    """Write records to an Avro container file (deflate, fixed sync marker), replacing it atomically."""
    buffer = io.BytesIO()
    fastavro.writer(
        buffer, fastavro.parse_schema(schema), records, codec="deflate", sync_marker=AVRO_SYNC_MARKER
    )
    write_bytes(buffer.getvalue(), path)
