"""files.yaml and sql_database.yaml are checked on read: every mistake names the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract_load.declaration_file import DeclarationError
from extract_load.file_readers.csv_reader import CsvDialect
from extract_load.files import load_files_declaration
from extract_load.sql import load_sql_declaration

DROP = "drops:\n  t:\n    glob: '*.csv'\n    format: csv\n    primary_key: id\n"


def _files(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shop" / "files.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def _sql(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shop" / "sql_database.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def test_a_drop_gets_its_defaults(tmp_path: Path) -> None:
    declaration = load_files_declaration(_files(tmp_path, DROP + "    csv: {delimiter: ';'}\n"))
    assert declaration.name == "shop"
    assert declaration.drops["t"] == {
        "glob": "*.csv",
        "format": "csv",
        "primary_key": ["id"],
        "write_disposition": "merge",
        "columns": {},
        "csv": CsvDialect(delimiter=";"),
    }


def test_a_delimiter_may_be_told_from_each_file(tmp_path: Path) -> None:
    declaration = load_files_declaration(_files(tmp_path, DROP + "    csv: {delimiter: auto}\n"))
    assert declaration.drops["t"]["csv"] == CsvDialect(delimiter="auto")


@pytest.mark.parametrize(
    "text, key, message",
    [
        (DROP + "    format: csv\n", None, "duplicate key 'format'"),
        (DROP + "    colums: {}\n", "drops.t.colums", "unknown key"),
        (DROP.replace("csv\n", "xlsx\n"), "drops.t.format", "expected one of csv, jsonl, parquet, avro"),
        (DROP.replace("    primary_key: id\n", ""), "drops.t.primary_key", "a column name or a list"),
        (DROP + "    write_disposition: replace\n", "drops.t.write_disposition", "expected one of"),
        (DROP + "    columns: {a: {data_type: json}}\n", "drops.t.columns.a.data_type", "not supported"),
        (DROP + "    csv: {delimiter: ';;'}\n", "drops.t.csv.delimiter", "one ASCII character"),
        (DROP + "    csv: {quote_char: '«'}\n", "drops.t.csv.quote_char", "one ASCII character"),
        (DROP + "    csv: {encoding: klingon}\n", "drops.t.csv.encoding", "unknown encoding"),
        (DROP + "    csv: {header: false}\n", "drops.t.csv.header", "needs its columns declared"),
        (DROP + "    chunk_bytes: 0\n", "drops.t.chunk_bytes", "a whole number >= 1"),
        ("drops: {}\n", "drops", "must map each table name"),
        (DROP + "bucket: x\n", "bucket", "unknown key"),
    ],
)
def test_a_files_mistake_names_the_file_and_key(
    tmp_path: Path, text: str, key: str | None, message: str
) -> None:
    path = _files(tmp_path, text)
    with pytest.raises(DeclarationError, match=message) as error:
        load_files_declaration(path)
    assert error.value.path == path and error.value.key == key
    assert str(error.value).startswith(f"{path}: {key}: " if key else f"{path}: ")


def test_a_table_takes_the_defaults_it_does_not_override(tmp_path: Path) -> None:
    text = "table_defaults: {cursor: updated_at, lag: 60}\ntables:\n  a: {primary_key: id}\n  b: {primary_key: id, lag: 0}\n"
    tables = load_sql_declaration(_sql(tmp_path, text)).tables
    assert tables["a"] == {
        "primary_key": ["id"],
        "cursor": "updated_at",
        "lag": 60.0,
        "naive_timestamps": [],
        "chunk_size": 50_000,
        "write_disposition": "merge",
    }
    assert tables["b"]["lag"] == 0.0 and tables["b"]["cursor"] == "updated_at"


@pytest.mark.parametrize(
    "text, key, message",
    [
        ("tables: {a: {primary_key: id, lag: -1, cursor: c}}\n", "tables.a.lag", "seconds >= 0"),
        ("tables: {a: {primary_key: id, lag: 5}}\n", "tables.a.lag", "needs a cursor"),
        ("tables: {a: {cursor: c}}\n", "tables.a.primary_key", "a column name or a list"),
        ("tables: {a: {primary_key: id, naive_timestamps: c}}\n", "tables.a.naive_timestamps", "a list"),
        ("table_defaults: {primary_key: id}\ntables: {a: {}}\n", "table_defaults.primary_key", "unknown key"),
        (
            "schema_contract: {columns: maybe}\ntables: {a: {primary_key: id}}\n",
            "schema_contract.columns",
            "expected",
        ),
        ("tables: []\n", "tables", "must map each table name"),
    ],
)
def test_an_sql_mistake_names_the_file_and_key(tmp_path: Path, text: str, key: str, message: str) -> None:
    path = _sql(tmp_path, text)
    with pytest.raises(DeclarationError, match=message) as error:
        load_sql_declaration(path)
    assert error.value.path == path and error.value.key == key
