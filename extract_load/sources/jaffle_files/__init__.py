"""The landing folder (local path or any fsspec URL) as a dlt source: one resource per file drop.

Each file is read once: the listing is incremental on the files' modification time, with dlt's boundary
deduplication keyed on the file URL, so an unchanged file is never read again, a re-sent (touched) file is
read again and merges on its key, and files sharing a modification time are all read. A drop of immutable
files (never re-sent, new rows in new files) may declare ``"write_disposition": "append"``: its rows go
straight into the table, with no staging copy and no merge (a re-sent file would then add its rows again).
Every record read is counted in the row ledger; records that cannot be loaded go to the ``quarantine`` table
with their origin (``<file url>:line N`` or ``:row N``), raw text and reason.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from typing import Any

import dlt
from dlt.sources import DltResource
from dlt.sources.filesystem import FileItemDict, filesystem

from extract_load.column_names import column_name_guard
from extract_load.file_readers import READERS, ColumnRules, FileFormat, FileFormatError
from extract_load.ledger import RowLedger, with_quarantine

from .helpers import hidden_files_warning, is_visible
from .settings import CHUNK_BYTES, CHUNK_ROWS, FILE_CONTRACT, file_drops


def read_file(
    file: FileItemDict, rules: ColumnRules, file_format: FileFormat, size: int, ledger: RowLedger
) -> Iterator[Any]:
    """Good rows of one file in chunks, and per chunk one batch of quarantine rows; every record is counted."""
    table, url, unit = rules.table, file["file_url"], file_format.position_unit
    try:
        with file.open(mode="rb") as stream:
            for chunk in file_format.read(stream, rules, size):
                ledger.count_read(table, chunk.read)
                if chunk.rejects:
                    yield ledger.quarantine_rows(
                        table, ((f"{url}:{unit} {r.position}", r.raw, r.reason) for r in chunk.rejects)
                    )
                if len(chunk.rows):
                    yield chunk.rows
    except FileFormatError as error:
        raise FileFormatError(f"{url}: {error}") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise FileFormatError(f"{url}: cannot decompress the file: {error}") from None


def file_drop_resource(
    bucket_url: str, name: str, drop: dict, ledger: RowLedger, chunk_bytes: int, chunk_rows: int
) -> DltResource:
    """A resource that lists one drop's new files and reads them with the reader of its format."""
    file_format = READERS[drop["format"]]
    size = chunk_bytes if file_format.chunk_unit == "bytes" else chunk_rows
    rules = ColumnRules.from_hints(name, drop["columns"], drop["primary_key"])

    def read_files(files: list[FileItemDict]) -> Iterator[Any]:
        """Every record of the listed files, good rows to this table, bad ones to the quarantine."""
        for file in files:
            yield from read_file(file, rules, file_format, size, ledger)

    listing = filesystem(
        bucket_url=bucket_url,
        file_glob=drop["glob"],
        incremental=dlt.sources.incremental("modification_date"),
    ).add_filter(is_visible)
    resource = (listing | dlt.transformer(read_files, name=name)).with_name(name)
    resource.apply_hints(
        primary_key=drop["primary_key"],
        write_disposition=drop.get("write_disposition", "merge"),
        columns=drop["columns"],
        schema_contract=FILE_CONTRACT,
    )
    return with_quarantine(resource).add_map(column_name_guard(name))


@dlt.source(name="jaffle_files")
def jaffle_files_source(
    bucket_url: str = dlt.config.value,
    ledger: RowLedger | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    chunk_rows: int = CHUNK_ROWS,
) -> list[DltResource]:
    """Tweets (JSON Lines), supplier prices (CSV), store events (Parquet) and loyalty events (Avro).

    ``ledger`` counts rows read and quarantined per table (a private one when None); ``chunk_bytes`` sizes
    the blocks of text formats, ``chunk_rows`` the chunks of Parquet and Avro.
    """
    ledger = RowLedger() if ledger is None else ledger
    drops = file_drops().items()
    return [
        *(
            file_drop_resource(bucket_url, name, drop, ledger, chunk_bytes, chunk_rows)
            for name, drop in drops
        ),
        *(hidden_files_warning(bucket_url, name, drop["glob"]) for name, drop in drops),
    ]
