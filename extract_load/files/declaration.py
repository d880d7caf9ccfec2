"""Read a ``files.yaml`` declaration: the landing location and, per drop, what its files hold.

A drop is one table fed by the files one glob matches: their format (``csv``, ``jsonl``, ``parquet``,
``avro``; a ``.gz`` file is decompressed whatever its format), primary key, write disposition, declared
columns (dlt column hints; undeclared columns are inferred), CSV dialect and chunk sizes. Every mistake names
the file and the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..declaration_file import (
    DeclarationError,
    check_contract,
    check_keys,
    check_name,
    key_columns,
    positive_int,
    read_yaml,
)
from ..file_readers import READERS
from ..file_readers.columns import arrow_type
from ..file_readers.csv_reader import CsvDialect
from ..file_readers.csv_sniffer import AUTO

DECLARATION_FILE = "files.yaml"
TOP_LEVEL_KEYS = ("bucket_url", "chunk_bytes", "chunk_rows", "schema_contract", "drops")
DROP_KEYS = (
    "glob",
    "format",
    "primary_key",
    "write_disposition",
    "columns",
    "csv",
    "chunk_bytes",
    "chunk_rows",
)
CSV_KEYS = ("delimiter", "quote_char", "encoding", "header")
WRITE_DISPOSITIONS = ("merge", "append")

# Text formats are read in blocks of this many bytes (whole records), Parquet and Avro in chunks of this many
# rows: memory holds one chunk per file being read.
CHUNK_BYTES = 8 << 20
CHUNK_ROWS = 50_000

# Tables may gain columns, but a declared column's type never changes and dlt never adds a variant column.
FILE_CONTRACT: dict[str, str] = {"tables": "evolve", "columns": "evolve", "data_type": "freeze"}


@dataclass(frozen=True)
class FilesDeclaration:
    """One checked ``files.yaml``: the source name, its file, the default location and the drops by table."""

    name: str
    path: Path
    drops: dict[str, dict[str, Any]]
    bucket_url: str | None = None
    chunk_bytes: int = CHUNK_BYTES
    chunk_rows: int = CHUNK_ROWS
    schema_contract: Any = field(default_factory=lambda: dict(FILE_CONTRACT))


def load_files_declaration(path: Path | str, name: str | None = None) -> FilesDeclaration:
    """Parse and check a ``files.yaml``; the source name defaults to its folder's name."""
    path = Path(path)
    name = name or path.parent.name
    check_name(path, name)
    body = check_keys(path, None, read_yaml(path), TOP_LEVEL_KEYS)
    bucket_url = body.get("bucket_url")
    if bucket_url is not None and (not isinstance(bucket_url, str) or not bucket_url):
        raise DeclarationError(path, "bucket_url", "must be a local folder or an fsspec URL")
    check_contract(path, body.get("schema_contract"))
    drops = body.get("drops")
    if not isinstance(drops, Mapping) or not drops:
        raise DeclarationError(path, "drops", "must map each table name to its drop (glob, format, ...)")
    return FilesDeclaration(
        name,
        path,
        {str(table): check_drop(path, f"drops.{table}", drop) for table, drop in drops.items()},
        bucket_url,
        positive_int(path, "chunk_bytes", body.get("chunk_bytes", CHUNK_BYTES)),
        positive_int(path, "chunk_rows", body.get("chunk_rows", CHUNK_ROWS)),
        body.get("schema_contract", dict(FILE_CONTRACT)),
    )


def check_drop(path: Path, key: str, drop: Any) -> dict[str, Any]:
    """One drop, checked, with its defaults filled in (merge, no declared columns, the default dialect)."""
    drop = check_keys(path, key, drop, DROP_KEYS)
    if not isinstance(drop.get("glob"), str) or not drop["glob"]:
        raise DeclarationError(path, f"{key}.glob", "the files of a drop, relative to the bucket URL")
    if drop.get("format") not in READERS:
        raise DeclarationError(path, f"{key}.format", f"expected one of {', '.join(READERS)}")
    disposition = drop.get("write_disposition", "merge")
    if disposition not in WRITE_DISPOSITIONS:
        raise DeclarationError(path, f"{key}.write_disposition", f"expected one of {WRITE_DISPOSITIONS}")
    columns = _columns(path, f"{key}.columns", drop.get("columns") or {})
    checked: dict[str, Any] = {
        "glob": drop["glob"],
        "format": drop["format"],
        "primary_key": key_columns(path, f"{key}.primary_key", drop.get("primary_key")),
        "write_disposition": disposition,
        "columns": columns,
    }
    if drop["format"] == "csv":
        checked["csv"] = _dialect(path, f"{key}.csv", drop.get("csv") or {}, list(columns))
    elif "csv" in drop:
        raise DeclarationError(path, f"{key}.csv", "a CSV dialect belongs to a drop of format csv")
    for size in ("chunk_bytes", "chunk_rows"):
        if size in drop:
            checked[size] = positive_int(path, f"{key}.{size}", drop[size])
    return checked


def _columns(path: Path, key: str, columns: Any) -> dict[str, dict[str, Any]]:
    """Declared columns: name -> dlt column hints whose data type the file readers can check."""
    if not isinstance(columns, Mapping):
        raise DeclarationError(path, key, "must map column names to dlt column hints")
    for column, hints in columns.items():
        if not isinstance(hints, Mapping):
            raise DeclarationError(path, f"{key}.{column}", "column hints must be a mapping")
        if "data_type" in hints:
            try:
                arrow_type(hints)
            except ValueError as error:
                raise DeclarationError(path, f"{key}.{column}.data_type", str(error)) from None
    return {str(column): dict(hints) for column, hints in columns.items()}


def _dialect(path: Path, key: str, dialect: Any, columns: list[str]) -> CsvDialect:
    """The CSV dialect of a drop; a file without a header takes its column names from ``columns``."""
    dialect = check_keys(path, key, dialect, CSV_KEYS)
    for name in ("delimiter", "quote_char"):
        value = dialect.get(name)
        if name == "delimiter" and value == AUTO:
            continue
        if value is not None and (
            not isinstance(value, str) or not value.isascii() or len(value) != 1 or value in "\r\n"
        ):
            allowed = "one ASCII character" + (f" or {AUTO!r}" if name == "delimiter" else "")
            raise DeclarationError(path, f"{key}.{name}", f"must be {allowed}, got {value!r}")
    encoding = dialect.get("encoding", "utf-8")
    try:
        "".encode(encoding)
    except (LookupError, TypeError):
        raise DeclarationError(path, f"{key}.encoding", f"unknown encoding {encoding!r}") from None
    header = dialect.get("header", True)
    if not isinstance(header, bool):
        raise DeclarationError(path, f"{key}.header", f"must be true or false, got {header!r}")
    if not header and not columns:
        raise DeclarationError(path, f"{key}.header", "a file without a header needs its columns declared")
    return CsvDialect(
        delimiter=dialect.get("delimiter", ","),
        quote_char=dialect.get("quote_char", '"'),
        encoding=encoding,
        names=None if header else tuple(columns),
    )
