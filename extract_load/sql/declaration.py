"""Read a ``sql_database.yaml`` declaration: the tables of one database, each with its key and cursor.

Per table: primary key, incremental cursor column, lag (seconds of changes re-read before the cursor),
timestamp columns pinned to ``timestamp without time zone``, chunk size and write disposition; settings
shared by every table go under ``table_defaults``. The connection is a secret, never declared here:
``sources.<name>.credentials``. Every mistake names the file and the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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

DECLARATION_FILE = "sql_database.yaml"
TOP_LEVEL_KEYS = ("schema_contract", "table_defaults", "tables")
TABLE_KEYS = ("primary_key", "cursor", "lag", "naive_timestamps", "chunk_size", "write_disposition")
DEFAULT_KEYS = tuple(key for key in TABLE_KEYS if key != "primary_key")
WRITE_DISPOSITIONS = ("merge", "append")
CHUNK_SIZE = 50_000

# New tables may appear, but a new column or a changed type in a table already loaded stops the load.
SQL_CONTRACT: dict[str, str] = {"tables": "evolve", "columns": "freeze", "data_type": "freeze"}


@dataclass(frozen=True)
class SqlDeclaration:
    """One checked ``sql_database.yaml``: the source name, its file, the contract and the tables by name."""

    name: str
    path: Path
    tables: dict[str, dict[str, Any]]
    schema_contract: Any


def load_sql_declaration(path: Path | str, name: str | None = None) -> SqlDeclaration:
    """Parse and check a ``sql_database.yaml``; the source name defaults to its folder's name."""
    path = Path(path)
    name = name or path.parent.name
    check_name(path, name)
    body = check_keys(path, None, read_yaml(path), TOP_LEVEL_KEYS)
    check_contract(path, body.get("schema_contract"))
    defaults = check_keys(path, "table_defaults", body.get("table_defaults") or {}, DEFAULT_KEYS)
    tables = body.get("tables")
    if not isinstance(tables, Mapping) or not tables:
        raise DeclarationError(path, "tables", "must map each table name to its settings (primary_key, ...)")
    return SqlDeclaration(
        name,
        path,
        {
            str(table): _table(path, f"tables.{table}", {**defaults, **(spec or {})})
            for table, spec in tables.items()
        },
        body.get("schema_contract", dict(SQL_CONTRACT)),
    )


def _table(path: Path, key: str, spec: Any) -> dict[str, Any]:
    """One table with its defaults applied, checked."""
    spec = check_keys(path, key, spec, TABLE_KEYS)
    cursor = spec.get("cursor")
    if cursor is not None and (not isinstance(cursor, str) or not cursor):
        raise DeclarationError(path, f"{key}.cursor", f"must be a column name, got {cursor!r}")
    lag = spec.get("lag", 0)
    if isinstance(lag, bool) or not isinstance(lag, int | float) or lag < 0:
        raise DeclarationError(path, f"{key}.lag", f"must be a number of seconds >= 0, got {lag!r}")
    if lag and cursor is None:
        raise DeclarationError(path, f"{key}.lag", "a lag needs a cursor column")
    timestamps = spec.get("naive_timestamps", [])
    if not isinstance(timestamps, list) or not all(isinstance(column, str) for column in timestamps):
        raise DeclarationError(path, f"{key}.naive_timestamps", "must be a list of column names")
    disposition = spec.get("write_disposition", "merge")
    if disposition not in WRITE_DISPOSITIONS:
        raise DeclarationError(path, f"{key}.write_disposition", f"expected one of {WRITE_DISPOSITIONS}")
    return {
        "primary_key": key_columns(path, f"{key}.primary_key", spec.get("primary_key")),
        "cursor": cursor,
        "lag": float(lag),
        "naive_timestamps": list(timestamps),
        "chunk_size": positive_int(path, f"{key}.chunk_size", spec.get("chunk_size", CHUNK_SIZE)),
        "write_disposition": disposition,
    }
