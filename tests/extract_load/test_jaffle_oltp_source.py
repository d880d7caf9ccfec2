"""The operational-database source: seeded OLTP tables (SQLite, Postgres) loaded incrementally into DuckDB and
Postgres; only changed rows move, merges leave no duplicates, the ledger balances, the contract fails loudly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import dlt
import pytest
import sqlalchemy as sa
from dlt.extract import DltSource
from dlt.pipeline.exceptions import PipelineStepFailed
from postgres_server import POSTGRES_ENVIRONMENT, require_postgres, throwaway_database

from demo.data.oltp import EMPLOYEES, INVENTORY_LEVELS, TABLES, seed_oltp, touch_oltp
from extract_load.destination import LOADER_FILE_FORMAT
from extract_load.ledger import RowLedger
from extract_load.registry import declaration_of
from extract_load.sql import build_sql_source
from settings import dataset_of

SEED, SCALE, TOUCHED, LAG = 7, 0.05, 3, 60.0
PSYCOPG2_URL = "postgresql+psycopg2://{USERNAME}@{HOST}:{PORT}/{database}"
DATASET_NAME = dataset_of("jaffle_oltp")
SOURCE_TABLES = declaration_of("jaffle_oltp").tables
NAIVE_TIMESTAMP = {"duckdb": "TIMESTAMP", "postgres": "timestamp without time zone"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def oltp_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The OLTP database the source reads: a SQLite file, or a throw-away Postgres database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'oltp.db'}"
        return
    monkeypatch.setenv("PGTZ", "Asia/Tokyo")  # naive cursors must not shift with the session's time zone
    with throwaway_database("jaffle_oltp_source") as database:
        yield PSYCOPG2_URL.format(**POSTGRES_ENVIRONMENT, database=database)


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, dlt.Pipeline]]:
    """The warehouse name and a pipeline loading ``raw_jaffle_oltp`` into a fresh DuckDB file or database."""
    if request.param == "duckdb":
        yield "duckdb", _pipeline(dlt.destinations.duckdb(str(tmp_path / "w.duckdb")), tmp_path)
        return
    with throwaway_database("jaffle_oltp_warehouse") as database:
        parts = {name.lower(): value for name, value in POSTGRES_ENVIRONMENT.items()}
        # the local server trusts loopback connections; dlt insists on a password being set
        credentials = {**parts, "password": "trust", "database": database}
        yield "postgres", _pipeline(dlt.destinations.postgres(credentials=credentials), tmp_path)


def jaffle_oltp_source(credentials: str | None = None, **options: Any) -> DltSource:
    """The demo database's declared source (``credentials`` default to ``sources.jaffle_oltp.credentials``)."""
    return build_sql_source(declaration_of("jaffle_oltp"), credentials, **options)


def _pipeline(destination: object, tmp_path: Path, name: str = "jaffle_oltp") -> dlt.Pipeline:
    """A pipeline with its state under the test's folder."""
    return dlt.pipeline(
        pipeline_name=name,
        destination=destination,
        dataset_name=DATASET_NAME,
        pipelines_dir=str(tmp_path / "p"),
    )


def _load(
    pipeline: dlt.Pipeline, url: str, lag_seconds: float = 0.0
) -> tuple[dict[str, int], dict[str, int]]:
    """Run the source once; return rows loaded and rows the ledger counted, per table (zeros left out)."""
    ledger = RowLedger()
    source = jaffle_oltp_source(credentials=url, lag_seconds=lag_seconds, ledger=ledger)
    pipeline.run(source, loader_file_format=LOADER_FILE_FORMAT)
    counts = pipeline.last_trace.last_normalize_info.row_counts
    loaded = {table: n for table, n in counts.items() if not table.startswith("_dlt") and n}
    return loaded, {table: n for table, n in ledger.read.items() if n}


def _oltp_rows(url: str, table: sa.Table) -> list[tuple]:
    """Every row of an OLTP table, sorted."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(tuple(row) for row in connection.execute(sa.select(table)))
    finally:
        engine.dispose()


def _warehouse_rows(pipeline: dlt.Pipeline, table: sa.Table) -> list[tuple]:
    """Every row of a raw table, the OLTP columns only, sorted (duplicates kept)."""
    with pipeline.sql_client() as client:
        columns = ", ".join(client.escape_column_name(column.name) for column in table.columns)
        query = f"select {columns} from {client.make_qualified_table_name(table.name)}"
        return sorted(tuple(row) for row in client.execute_sql(query))


def _column_types(pipeline: dlt.Pipeline, table: str) -> dict[str, str]:
    """Column name -> the warehouse's data type name of a raw table."""
    query = (
        "select column_name, data_type from information_schema.columns"
        " where table_schema = %s and table_name = %s"
    )
    with pipeline.sql_client() as client:
        return dict(client.execute_sql(query, DATASET_NAME, table))


def _assert_mirrors(pipeline: dlt.Pipeline, url: str) -> None:
    """The warehouse holds exactly the OLTP rows: new values, nothing missing, no duplicates."""
    for table in TABLES:
        assert _warehouse_rows(pipeline, table) == _oltp_rows(url, table), table.name


def test_incremental_loads_only_changed_rows(oltp_url: str, warehouse: tuple[str, dlt.Pipeline]) -> None:
    """First run loads every row, a rerun nothing, a run after OLTP activity exactly the changed rows."""
    name, pipeline = warehouse
    seeded = seed_oltp(oltp_url, SEED, SCALE)

    loaded, read = _load(pipeline, oltp_url)
    assert loaded == seeded and read == seeded
    _assert_mirrors(pipeline, oltp_url)
    for table in TABLES:
        types = _column_types(pipeline, table.name)
        timestamps = [column.name for column in table.columns if isinstance(column.type, sa.DateTime)]
        assert {column: types[column] for column in timestamps} == dict.fromkeys(
            timestamps, NAIVE_TIMESTAMP[name]
        )

    assert _load(pipeline, oltp_url) == (
        {},
        {},
    )  # rows at the cursor are read again, deduplicated, not counted

    changes = touch_oltp(oltp_url, SEED, TOUCHED)
    assert changes.changed_rows() == {
        "employees": TOUCHED + 1,
        "shifts": TOUCHED + 2,
        "inventory_levels": TOUCHED,
    }
    loaded, read = _load(pipeline, oltp_url)
    assert loaded == changes.changed_rows() and read == loaded
    _assert_mirrors(pipeline, oltp_url)
    raised = {row[0]: row[4] for row in _oltp_rows(oltp_url, EMPLOYEES)}
    assert {row[0]: row[4] for row in _warehouse_rows(pipeline, EMPLOYEES)} == raised

    assert _load(pipeline, oltp_url) == ({}, {})


def _rows_in_lag_window(pipeline: dlt.Pipeline, url: str, lag_seconds: float) -> dict[str, int]:
    """OLTP rows a lagged run reads: ``updated_at`` at or after the loaded maximum minus the lag."""
    expected = {}
    for table in TABLES:
        cursor = max(row[-1] for row in _warehouse_rows(pipeline, table))  # updated_at is the last column
        if n := sum(row[-1] >= cursor - timedelta(seconds=lag_seconds) for row in _oltp_rows(url, table)):
            expected[table.name] = n
    return expected


def test_lag_catches_late_commits_and_rereads_without_duplicates(tmp_path: Path) -> None:
    """A change stamped before the cursor but committed after it: missed without lag, merged with it."""
    url = f"sqlite:///{tmp_path / 'oltp.db'}"
    seed_oltp(url, SEED, SCALE)
    strict = _pipeline(dlt.destinations.duckdb(str(tmp_path / "strict.duckdb")), tmp_path, "strict")
    lagged = _pipeline(dlt.destinations.duckdb(str(tmp_path / "lagged.duckdb")), tmp_path, "lagged")
    _load(strict, url, 0.0)
    _load(lagged, url, LAG)
    first = touch_oltp(url, SEED, 2)
    assert _load(strict, url, 0.0)[0] == first.changed_rows()
    expected = _rows_in_lag_window(lagged, url, LAG)  # the changes and the rows just before the old cursor
    assert _load(lagged, url, LAG)[0] == expected
    assert all(expected[table] > n for table, n in first.changed_rows().items())

    touch_oltp(url, SEED, 2, at=first.at - timedelta(seconds=5))
    assert _load(strict, url, 0.0) == ({}, {})
    assert _warehouse_rows(strict, EMPLOYEES) != _oltp_rows(url, EMPLOYEES)  # the late change is lost

    for _ in range(2):  # the second run re-reads the same window: merged again, nothing doubled
        expected = _rows_in_lag_window(lagged, url, LAG)
        loaded, read = _load(lagged, url, LAG)
        assert loaded == expected and read == loaded
        _assert_mirrors(lagged, url)


def test_new_upstream_column_fails_the_load_loudly(tmp_path: Path) -> None:
    """A column added to a loaded table stops the run at extract once a row carries it; nothing loads."""
    url = f"sqlite:///{tmp_path / 'oltp.db'}"
    seed_oltp(url, SEED, SCALE)
    pipeline = _pipeline(dlt.destinations.duckdb(str(tmp_path / "w.duckdb")), tmp_path)
    _load(pipeline, url)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("alter table employees add column badge_number integer"))
    engine.dispose()
    before = {table.name: _warehouse_rows(pipeline, table) for table in TABLES}
    touch_oltp(url, SEED, 1)

    for _ in range(2):  # the cursor did not move: every run fails until the contract is changed on purpose
        with pytest.raises(PipelineStepFailed, match="badge_number") as failure:
            _load(pipeline, url)
        assert failure.value.step == "extract"
        assert {table.name: _warehouse_rows(pipeline, table) for table in TABLES} == before
    assert "badge_number" not in _column_types(pipeline, "employees")

    source = jaffle_oltp_source(credentials=url, lag_seconds=0.0).with_resources("employees")
    pipeline.run(
        source, refresh="drop_resources", loader_file_format=LOADER_FILE_FORMAT
    )  # the way to accept it
    assert "badge_number" in _column_types(pipeline, "employees")
    assert len(_warehouse_rows(pipeline, EMPLOYEES)) == len(_oltp_rows(url, EMPLOYEES))


def test_credentials_come_from_the_config_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``SOURCES__JAFFLE_OLTP__CREDENTIALS`` names the database when no URL is passed."""
    url = f"sqlite:///{tmp_path / 'oltp.db'}"
    seed_oltp(url, SEED, SCALE)
    monkeypatch.setenv("SOURCES__JAFFLE_OLTP__CREDENTIALS", url)
    assert set(jaffle_oltp_source().resources) == set(SOURCE_TABLES)


def test_source_settings_match_the_seeded_schema() -> None:
    """Keys and timestamp columns the source declares are those of the OLTP tables."""
    for table in TABLES:
        spec = SOURCE_TABLES[table.name]
        assert spec["primary_key"] == [column.name for column in table.primary_key.columns]
        assert spec["naive_timestamps"] == [c.name for c in table.columns if isinstance(c.type, sa.DateTime)]
    assert set(SOURCE_TABLES) == {table.name for table in TABLES}


def test_seed_is_deterministic(tmp_path: Path) -> None:
    """Equal (seed, scale) give equal rows; another seed gives other rows over the same stores and skus."""
    urls = [f"sqlite:///{tmp_path / name}.db" for name in ("a", "b", "c")]
    for url, seed in zip(urls, (SEED, SEED, SEED + 1), strict=True):
        seed_oltp(url, seed, SCALE)
    for table in TABLES:
        assert _oltp_rows(urls[0], table) == _oltp_rows(urls[1], table)
    assert _oltp_rows(urls[0], EMPLOYEES) != _oltp_rows(urls[2], EMPLOYEES)
    key = slice(0, 2)
    assert [r[key] for r in _oltp_rows(urls[0], INVENTORY_LEVELS)] == [
        r[key] for r in _oltp_rows(urls[2], INVENTORY_LEVELS)
    ]


@pytest.mark.postgres
def test_seed_creates_a_missing_postgres_database() -> None:
    """A database that does not exist yet is created, its name quoted (mixed case and a hyphen)."""
    require_postgres()
    import psycopg2
    from psycopg2 import sql

    database = f"Jaffle-OLTP_{uuid.uuid4().hex[:8]}"
    url = PSYCOPG2_URL.format(**POSTGRES_ENVIRONMENT, database=database)
    try:
        assert seed_oltp(url, SEED, SCALE)["inventory_levels"] == 60
    finally:
        admin = psycopg2.connect(
            host=POSTGRES_ENVIRONMENT["HOST"],
            port=POSTGRES_ENVIRONMENT["PORT"],
            user=POSTGRES_ENVIRONMENT["USERNAME"],
            dbname="postgres",
        )
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database))
            )
        admin.close()
