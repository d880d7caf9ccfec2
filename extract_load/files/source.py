"""A declared landing folder (local path or any fsspec URL) as a dlt source: one resource per file drop.

Each file is read once: the listing is incremental on the files' modification time, with dlt's boundary
deduplication keyed on the file URL, so an unchanged file is never read again, a re-sent (touched) file is
read again and merges on its key, and files sharing a modification time are all read. A drop of immutable
files (never re-sent, new rows in new files) may declare ``write_disposition: append``: its rows go straight
into the table, with no staging copy and no merge (a re-sent file would then add its rows again).
Every record read is counted in the row ledger; records that cannot be loaded go to the ``quarantine`` table
with their origin (``<file url>:line N`` or ``:row N``), raw text and reason. A file that cannot be read at
all (corrupt, undecodable, a header that does not fit) is quarantined whole: one row naming the file and the
reason, counted as one record read. The rest of the drop loads, and the listing's cursor moves past the file,
so it is read again only once it changes.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from functools import partial
from typing import Any

import dlt
from dlt.extract import DltSource
from dlt.sources import DltResource
from dlt.sources.filesystem import FileItemDict, filesystem

from ..column_names import column_name_guard
from ..declaration_file import DeclarationError
from ..file_readers import READERS, ColumnRules, FileFormat, FileFormatError
from ..ledger import RowLedger, with_quarantine
from .declaration import FILE_CONTRACT, FilesDeclaration
from .hidden import hidden_files_warning, is_visible

DECOMPRESSION_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


def read_file(
    file: FileItemDict, rules: ColumnRules, file_format: FileFormat, size: int, ledger: RowLedger
) -> Iterator[Any]:
    """Good rows of one file in chunks, and per chunk one batch of quarantine rows; every record is counted.

    A file that cannot be read is quarantined whole, as one record, and the others are read on.
    """
    table, url, unit = rules.table, file["file_url"], file_format.position_unit
    done = 0
    try:
        with file.open(mode="rb") as stream:
            for chunk in file_format.read(stream, rules, size):
                ledger.count_read(table, chunk.read)
                done += chunk.read
                if chunk.rejects:
                    yield ledger.quarantine_rows(
                        table, ((f"{url}:{unit} {r.position}", r.raw, r.reason) for r in chunk.rejects)
                    )
                if len(chunk.rows):
                    yield chunk.rows
    except (FileFormatError, *DECOMPRESSION_ERRORS) as error:
        reason = str(error) if isinstance(error, FileFormatError) else f"cannot decompress the file: {error}"
        where = (
            f"the file is unreadable after {done} records (those were read)"
            if done
            else "the whole file is unreadable"
        )
        ledger.count_read(table)
        yield ledger.quarantine(table, url, None, f"{where}: {reason}")


def file_drop_resource(
    bucket_url: str, name: str, drop: dict, ledger: RowLedger, chunk_bytes: int, chunk_rows: int
) -> DltResource:
    """A resource that lists one drop's new files and reads them with the reader of its format."""
    file_format = READERS[drop["format"]]
    if drop.get("csv") is not None:
        file_format = file_format._replace(read=partial(file_format.read, dialect=drop["csv"]))
    size = chunk_bytes if file_format.chunk_unit == "bytes" else chunk_rows
    columns = drop.get("columns") or {}
    rules = ColumnRules.from_hints(name, columns, drop["primary_key"])

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
        columns=columns,
        schema_contract=drop.get("schema_contract", FILE_CONTRACT),
    )
    return with_quarantine(resource).add_map(column_name_guard(name))


def _drop_resources(
    declaration: FilesDeclaration,
    bucket_url: str,
    ledger: RowLedger,
    chunk_bytes: int | None = None,
    chunk_rows: int | None = None,
) -> list[DltResource]:
    """One resource per drop, and per drop one that warns about its hidden files.

    Chunk sizes: the arguments (given, or configured as ``sources.<name>.chunk_bytes``), the drop's, then the
    source's.
    """
    resources = []
    for name, drop in declaration.drops.items():
        resources.append(
            file_drop_resource(
                bucket_url,
                name,
                {**drop, "schema_contract": declaration.schema_contract},
                ledger,
                chunk_bytes or drop.get("chunk_bytes", declaration.chunk_bytes),
                chunk_rows or drop.get("chunk_rows", declaration.chunk_rows),
            )
        )
    return [
        *resources,
        *(hidden_files_warning(bucket_url, name, drop["glob"]) for name, drop in declaration.drops.items()),
    ]


def bucket_url_of(declaration: FilesDeclaration, bucket_url: str | None = None) -> str:
    """The landing location: the argument, then ``sources.<name>.bucket_url``, then the declaration's."""
    key = f"sources.{declaration.name}.bucket_url"
    url = bucket_url or dlt.config.get(key) or declaration.bucket_url
    if not url:
        variable = key.upper().replace(".", "__")
        raise DeclarationError(
            declaration.path, "bucket_url", f"no landing location: set {key} ({variable}) or bucket_url"
        )
    return str(url)


def build_files_source(
    declaration: FilesDeclaration,
    bucket_url: str | None = None,
    ledger: RowLedger | None = None,
    chunk_bytes: int | None = None,
    chunk_rows: int | None = None,
) -> DltSource:
    """The dlt source of a ``files.yaml``; credentials of remote storage come from ``sources.<name>``.

    ``ledger`` counts rows read and quarantined per table (a private one when None); ``chunk_bytes`` and
    ``chunk_rows`` override the declared sizes of text blocks and of Parquet and Avro chunks.
    """
    factory = dlt.source(_drop_resources, name=declaration.name, section=declaration.name)
    sizes = {"chunk_bytes": chunk_bytes, "chunk_rows": chunk_rows}
    return factory(
        declaration,
        bucket_url_of(declaration, bucket_url),
        RowLedger() if ledger is None else ledger,
        **{key: value for key, value in sizes.items() if value is not None},
    )
