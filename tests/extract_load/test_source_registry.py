"""The sources folder: each folder a source of the kind its declaration names, or a Python `@dlt.source`."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract_load.declaration_file import DeclarationError
from extract_load.ledger import RowLedger
from extract_load.registry import DEFAULT_SOURCES_DIR, build_source, declared_keys, discover, sources_dir
from extract_load.rest import declared_rest_sources

PYTHON_SOURCE = """
import dlt
from dlt.sources.sql_database import sql_database  # imported: not this folder's source


@dlt.source(name="clock")
def clock_source(ledger=None):
    @dlt.resource(primary_key="tick")
    def ticks():
        if ledger is not None:
            ledger.count_read("ticks", 2)
        yield [{"tick": 1}, {"tick": 2}]

    return ticks
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty sources folder, configured through dlt's environment variable."""
    sources = tmp_path / "sources"
    sources.mkdir()
    monkeypatch.setenv("EXTRACT_LOAD__SOURCES_DIR", str(sources))
    return sources


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_the_demo_sources_are_declarations() -> None:
    found = discover(DEFAULT_SOURCES_DIR)
    assert {name: source.kind for name, source in found.items()} == {
        "jaffle_api": "rest_api",
        "jaffle_files": "files",
        "jaffle_oltp": "sql_database",
    }


def test_the_folder_is_configured_and_discovered_by_kind(folder: Path) -> None:
    _write(folder / "drops" / "files.yaml", "drops: {t: {glob: '*.csv', format: csv, primary_key: id}}")
    _write(folder / "db" / "sql_database.yaml", "tables: {t: {primary_key: [a, b]}}")
    _write(folder / "clock" / "__init__.py", PYTHON_SOURCE)
    _write(folder / "notes" / "README.md", "not a source")
    assert sources_dir() == folder
    assert {name: source.kind for name, source in discover().items()} == {
        "clock": "python",
        "db": "sql_database",
        "drops": "files",
    }
    assert declared_keys("db") == {"t": ["a", "b"]} and declared_keys("clock") == {}


def test_a_python_source_goes_through_the_registry_with_the_ledger(folder: Path) -> None:
    _write(folder / "clock" / "__init__.py", PYTHON_SOURCE)
    ledger = RowLedger()
    source = build_source("clock", ledger)
    assert list(source.resources) == ["ticks"]
    assert [row["tick"] for row in source.resources["ticks"]] == [1, 2]
    assert ledger.read == {"ticks": 2}


def test_two_declarations_in_one_folder_are_refused(folder: Path) -> None:
    _write(folder / "both" / "files.yaml", "drops: {}")
    _write(folder / "both" / "sql_database.yaml", "tables: {}")
    with pytest.raises(DeclarationError, match="one declaration per source folder, found files.yaml, sql"):
        discover()


def test_an_unknown_source_names_the_folder_and_the_known_ones(folder: Path) -> None:
    _write(folder / "drops" / "files.yaml", "drops: {t: {glob: '*.csv', format: csv, primary_key: id}}")
    with pytest.raises(
        ValueError, match=r"unknown source 'nope'; known sources: drops \(the folders of .*sources holding"
    ):
        build_source("nope", RowLedger())


def test_a_rest_declaration_keys_its_tables_by_resource_or_default(folder: Path) -> None:
    _write(
        folder / "api" / "rest_api.yaml",
        "client: {base_url: 'http://127.0.0.1:9/'}\n"
        "resource_defaults: {primary_key: id}\n"
        "resources:\n  - users\n  - {name: pairs, primary_key: [a, b]}\n  - {name: raw, table_name: events}\n",
    )
    assert declared_keys("api") == {"users": ["id"], "pairs": ["a", "b"], "events": ["id"]}
    assert declared_rest_sources() == ["api"]  # the REST layer looks in the configured folder too
