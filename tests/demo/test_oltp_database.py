"""The demo writes only where it was told: its OLTP database is a local file unless told otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from demo import oltp_database as demo_oltp
from warehouse.steps import generate_demo_data


@pytest.fixture
def untold(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with no demo database named (the shared fixture names a private one)."""
    monkeypatch.delenv("DEMO__OLTP_URL", raising=False)
    return data_dir


def _refuse_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to reach a PostgreSQL server fails the test."""
    import psycopg2

    def refuse(*args, **kwargs):
        raise AssertionError(f"the DuckDB demo tried to reach PostgreSQL ({args} {kwargs})")

    monkeypatch.setattr(psycopg2, "connect", refuse)


def test_the_duckdb_demo_seeds_a_local_file_and_never_reaches_postgres(
    untold: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAREHOUSE", "duckdb")
    _refuse_postgres(monkeypatch)
    assert demo_oltp.demo_oltp_url() == f"sqlite:///{untold / 'source' / 'oltp.sqlite'}"
    generate_demo_data(scale=0.01, seed=7)
    engine = create_engine(demo_oltp.demo_oltp_url())
    try:
        assert {"employees", "shifts", "inventory_levels"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_postgres_warehouse_names_the_server_of_its_demo_database(
    untold: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAREHOUSE", "postgres")
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS__HOST", "db.example.internal")
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS__PORT", "6543")
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS__USERNAME", "shop")
    assert demo_oltp.demo_oltp_url() == "postgresql+psycopg2://shop@db.example.internal:6543/jaffle_oltp"


def test_an_explicit_url_wins_on_every_warehouse(untold: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _refuse_postgres(monkeypatch)
    for warehouse in ("duckdb", "postgres"):
        monkeypatch.setenv("WAREHOUSE", warehouse)
        monkeypatch.setenv("DEMO__OLTP_URL", "sqlite:////tmp/elsewhere.sqlite")
        assert demo_oltp.demo_oltp_url() == "sqlite:////tmp/elsewhere.sqlite"
