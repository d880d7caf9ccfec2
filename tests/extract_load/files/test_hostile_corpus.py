"""The hostile-file corpus (``hostile_corpus``): each file gets the outcome its entry owes, read file by file
as a drop reads it and all at once through the pipeline on DuckDB, with every record read accounted for."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache, partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from dlt.common.storages.fsspec_filesystem import FileItemDict
from dlt.extract.items import DataItemWithMeta
from dlt.pipeline.exceptions import PipelineStepFailed
from dlt.sources.filesystem import filesystem
from file_source_helpers import FilePipeline
from hostile_corpus import (
    CHUNK_BYTES,
    CHUNK_ROWS,
    CLEAN,
    CORPUS,
    ENTRIES,
    FORMAT_DROPS,
    Fails,
    HostileFile,
    Loads,
    Unreadable,
    corpus_declaration,
)

from extract_load.column_names import ColumnNameCollisionError, column_name_guard
from extract_load.file_readers import READERS, ColumnRules
from extract_load.files import read_file
from extract_load.ledger import RowLedger

DECLARATION = corpus_declaration()
MTIME = 1_600_000_000  # every corpus file's modification time
WHOLE = "the whole file is unreadable: "
FAILS = [entry for entry in CORPUS if isinstance(entry.outcome, Fails)]
BESIDE_CLEAN = [entry for entry in CORPUS if entry.beside_clean]
# Files one run reads: a file whose names collide fails its run, so each runs alone; a known defect of the
# readers is asserted in the readers alone.
ONE_RUN = [e for e in CORPUS if not isinstance(e.outcome, Fails) and not e.defect]


@cache
def file_bytes(name: str) -> bytes:
    """A corpus file's bytes, built once."""
    return ENTRIES[name].build(name)


def write_corpus(folder: Path, entries: Iterable[HostileFile]) -> None:
    """Write each file under its drop's folder, all with the same modification time."""
    for entry in entries:
        path = folder / entry.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(file_bytes(entry.name))
        os.utime(path, (MTIME, MTIME))


def drop_rules(table: str) -> tuple[Any, ColumnRules, int]:
    """The reader, column rules and chunk size a drop's resource reads its files with (``file_drop_resource``)."""
    drop = DECLARATION.drops[table]
    file_format = READERS[drop["format"]]
    if drop.get("csv") is not None:
        file_format = file_format._replace(read=partial(file_format.read, dialect=drop["csv"]))
    size = CHUNK_BYTES if file_format.chunk_unit == "bytes" else CHUNK_ROWS
    return file_format, ColumnRules.from_hints(table, drop["columns"], drop["primary_key"]), size


def read_drop(table: str, files: list[FileItemDict]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows and quarantine rows of files of one drop, read as its resource reads them (column names guarded
    across the files); rows read balance rows kept plus rows quarantined."""
    file_format, rules, size = drop_rules(table)
    guard, ledger = column_name_guard(table), RowLedger()
    rows: list[dict[str, Any]] = []
    quarantine: list[dict[str, Any]] = []
    for file in files:
        for item in read_file(file, rules, file_format, size, ledger):
            if isinstance(item, DataItemWithMeta):
                quarantine += item.data
            elif isinstance(item, pa.Table):
                rows += guard(item).to_pylist()
            else:
                rows += [guard(row) for row in item]
    assert (
        ledger.read.get(table, 0)
        == len(rows) + len(quarantine)
        == len(rows) + ledger.quarantined.get(table, 0)
    )
    return rows, quarantine


def position(origin: str) -> int | None:
    """The line or row a quarantine origin names (None: the whole file)."""
    found = re.search(r":(?:line|row) (\d+)$", origin)
    return int(found[1]) if found else None


def check_outcome(entry: HostileFile, loaded: int, quarantine: list[dict[str, Any]], values: tuple) -> None:
    """The file's rows loaded, quarantine rows (position and reason) and loaded values are those owed."""
    outcome = entry.outcome
    reasons = {position(row["origin"]): row["reason"] for row in quarantine}
    assert len(reasons) == len(quarantine), quarantine
    if isinstance(outcome, Unreadable):
        where = (
            f"the file is unreadable after {outcome.after} records (those were read): "
            if outcome.after
            else WHOLE
        )
        assert list(reasons) == [None], reasons
        [row] = quarantine
        assert row["origin"].endswith(f"/{entry.path}") and row["raw_text"] is None, row
        assert row["reason"].startswith(where) and outcome.reason in row["reason"], row["reason"]
        assert loaded == outcome.after
        return
    assert isinstance(outcome, Loads)
    assert sorted(reasons, key=str) == sorted(outcome.rejects), reasons
    for line, reason in outcome.rejects.items():
        assert reason in reasons[line], (line, reasons[line])
    assert loaded == outcome.rows
    if outcome.values:
        assert values == outcome.values[1]


def read_counts(entries: Iterable[HostileFile]) -> tuple[Counter[str], Counter[str]]:
    """Records each drop must count as read, and as quarantined, for these files."""
    read: Counter[str] = Counter()
    quarantined: Counter[str] = Counter()
    for entry in entries:
        outcome = entry.outcome
        bad = len(outcome.rejects) if isinstance(outcome, Loads) else 1
        read[entry.drop] += (outcome.rows if isinstance(outcome, Loads) else outcome.after) + bad
        quarantined[entry.drop] += bad
    return +read, +quarantined


def warehouse_rows(files_pipeline: FilePipeline, entries: list[HostileFile]) -> tuple[Counter[str], dict]:
    """Rows loaded per corpus file (told by the key prefix of each drop's rows), and per entry the values of
    the column it names in key order: all over one connection."""
    loaded: Counter[str] = Counter()
    values: dict[str, tuple] = {}
    with files_pipeline.pipeline.sql_client() as client:

        def query(sql: str, *args: Any) -> list[tuple]:
            with client.execute_query(sql, *args) as cursor:
                return [tuple(row) for row in cursor.fetchall()]

        for table, drop in DECLARATION.drops.items():
            if files_pipeline.has_table(table):
                key = drop["primary_key"][0]
                loaded.update(
                    dict(query(f"select split_part({key}, '#', 1), count(*) from {table} group by 1"))
                )
        for entry in entries:
            if isinstance(entry.outcome, Loads) and entry.outcome.values and loaded[entry.name]:
                key, column = DECLARATION.drops[entry.drop]["primary_key"][0], entry.outcome.values[0]
                sql = f"select {column} from {entry.drop} where split_part({key}, '#', 1) = ? order by {key}"
                values[entry.name] = tuple(value for (value,) in query(sql, entry.name))
    return loaded, values


def test_the_corpus_is_at_least_60_distinct_files_over_every_format() -> None:
    paths = {entry.path for entry in CORPUS}
    assert len(CORPUS) >= 60 and len(paths) == len(CORPUS) == len(ENTRIES)
    assert len({file_bytes(entry.name) for entry in CORPUS}) >= 60
    assert Counter(entry.format for entry in CORPUS).keys() == FORMAT_DROPS.keys()
    assert min(Counter(entry.format for entry in CORPUS).values()) >= 10
    kinds = Counter(type(entry.outcome).__name__ for entry in CORPUS)
    assert kinds.keys() == {"Loads", "Unreadable", "Fails"} and kinds["Unreadable"] >= 10
    assert all(ENTRIES[e.outcome.with_file].drop == e.drop for e in FAILS if e.outcome.with_file)
    assert CLEAN.keys() == FORMAT_DROPS.keys()


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FileItemDict]:
    """Every corpus file written to a folder and listed by dlt's filesystem source, by relative path."""
    folder = tmp_path_factory.mktemp("hostile_corpus")
    write_corpus(folder, CORPUS)
    return {file["relative_path"]: file for file in filesystem(bucket_url=str(folder), file_glob="**/*")}


def _param(entry: HostileFile) -> Any:
    """A test parameter per file; a known defect is an xfail that must fail."""
    marks = [pytest.mark.xfail(reason=entry.defect, strict=True)] if entry.defect else []
    return pytest.param(entry, id=entry.name, marks=marks)


@pytest.mark.parametrize("entry", [_param(e) for e in CORPUS if not isinstance(e.outcome, Fails)])
def test_each_file_reads_as_its_entry_says(entry: HostileFile, listed: dict[str, FileItemDict]) -> None:
    rows, quarantine = read_drop(entry.drop, [listed[entry.path]])
    key = DECLARATION.drops[entry.drop]["primary_key"][0]
    column = entry.outcome.values[0] if isinstance(entry.outcome, Loads) and entry.outcome.values else None
    values = tuple(row.get(column) for row in sorted(rows, key=lambda row: row[key])) if column else ()
    check_outcome(entry, len(rows), quarantine, values)


@pytest.mark.parametrize("entry", FAILS, ids=[entry.name for entry in FAILS])
def test_colliding_column_names_fail_naming_them(entry: HostileFile, listed: dict[str, FileItemDict]) -> None:
    assert isinstance(entry.outcome, Fails)
    names = [entry.outcome.with_file] if entry.outcome.with_file else []
    with pytest.raises(ColumnNameCollisionError) as failure:
        read_drop(entry.drop, [listed[ENTRIES[name].path] for name in [*names, entry.name]])
    for name in entry.outcome.names:
        assert name in str(failure.value), str(failure.value)


def test_the_whole_corpus_loads_in_one_run_and_a_poison_file_is_read_again_only_once_changed(
    tmp_path: Path, files_pipeline: FilePipeline
) -> None:
    landing, sizes = tmp_path / "landing", {"chunk_bytes": CHUNK_BYTES, "chunk_rows": CHUNK_ROWS}
    write_corpus(landing, ONE_RUN)
    run = files_pipeline.run(str(landing), DECLARATION, **sizes)
    assert run.unbalanced() == []
    assert (Counter(run.ledger.read), Counter(run.ledger.quarantined)) == read_counts(ONE_RUN)
    loaded, values = warehouse_rows(files_pipeline, ONE_RUN)
    assert set(loaded) <= {entry.name for entry in ONE_RUN}
    assert values.keys() == {e.name for e in ONE_RUN if isinstance(e.outcome, Loads) and e.outcome.values}
    quarantine: dict[str, list[dict[str, Any]]] = {}
    for row in files_pipeline.quarantine():
        quarantine.setdefault(row["origin"].rsplit("/", 1)[1].split(":")[0], []).append(row)
    assert set(quarantine) <= {entry.path.rsplit("/", 1)[1] for entry in ONE_RUN}
    failures = []
    for entry in ONE_RUN:
        rows = quarantine.get(entry.path.rsplit("/", 1)[1], [])
        try:
            check_outcome(entry, loaded[entry.name], rows, values.get(entry.name, ()))
        except AssertionError as error:
            failures.append(f"{entry.name}: {error}")
    assert failures == []
    for table in DECLARATION.drops:
        columns = files_pipeline.pipeline.default_schema.tables[table]["columns"]
        assert [name for name in columns if "__v_" in name] == [], table  # no variant columns

    poison = [e for e in ONE_RUN if isinstance(e.outcome, Unreadable) and not e.outcome.after]
    for entry in poison:  # touched: a new modification time, as a re-sent file has
        os.utime(landing / entry.path, (MTIME + 60, MTIME + 60))
    again = files_pipeline.run(str(landing), DECLARATION, **sizes)
    assert again.unbalanced() == [] and again.row_counts == {"quarantine": len(poison)}
    assert again.ledger.read == again.ledger.quarantined == Counter(entry.drop for entry in poison)


@pytest.mark.parametrize("entry", FAILS, ids=[entry.name for entry in FAILS])
def test_colliding_column_names_fail_the_run_and_load_nothing(
    entry: HostileFile, tmp_path: Path, files_pipeline: FilePipeline
) -> None:
    assert isinstance(entry.outcome, Fails)
    companions = [ENTRIES[entry.outcome.with_file]] if entry.outcome.with_file else []
    write_corpus(tmp_path / "landing", [entry, *companions])
    with pytest.raises(PipelineStepFailed) as failure:
        files_pipeline.run(str(tmp_path / "landing"), DECLARATION)
    for name in entry.outcome.names:
        assert name in str(failure.value), str(failure.value)
    assert files_pipeline.count(entry.drop) == 0


@pytest.mark.parametrize("entry", BESIDE_CLEAN, ids=[e.name for e in BESIDE_CLEAN])
def test_a_file_loads_beside_a_clean_one_of_its_drop(
    entry: HostileFile, tmp_path: Path, files_pipeline: FilePipeline
) -> None:
    beside = CLEAN[entry.format]
    write_corpus(tmp_path / "landing", [entry, beside])
    run = files_pipeline.run(str(tmp_path / "landing"), DECLARATION, chunk_rows=CHUNK_ROWS)
    assert run.unbalanced() == [] and (
        Counter(run.ledger.read),
        Counter(run.ledger.quarantined),
    ) == read_counts([entry, beside])
    loaded, _ = warehouse_rows(files_pipeline, [])
    assert (loaded[entry.name], loaded[beside.name]) == (entry.outcome.rows, beside.outcome.rows)
