"""Fixtures of the gate tests: one small warehouse per engine for the session, and an engine switch.

Postgres cases skip with a clear reason when no server answers at 127.0.0.1:5432, except when CI=true,
where an unreachable server fails them: CI must prove the Postgres path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from gate_data import build
from postgres_server import POSTGRES_ADMIN, POSTGRES_ENVIRONMENT, throwaway_database

BACKENDS = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def duckdb_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file with the good tables and every crafted variant."""
    import duckdb

    path = tmp_path_factory.mktemp("gate") / "warehouse.duckdb"
    connection = duckdb.connect(str(path))
    try:
        build(lambda sql, parameters: connection.execute(sql, list(parameters)), "?")
    finally:
        connection.close()
    return path


@pytest.fixture(scope="session")
def postgres_warehouse() -> Iterator[str]:
    """A throw-away Postgres database with the same tables, dropped at the end of the session."""
    import psycopg2

    with throwaway_database("gx_gate_test") as name:
        connection = psycopg2.connect(**{**POSTGRES_ADMIN, "dbname": name})
        connection.autocommit = True
        with connection.cursor() as cursor:
            build(lambda statement, parameters: cursor.execute(statement, parameters or None), "%s")
        connection.close()
        yield name


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test using this runs on DuckDB and on Postgres, with the warehouse switch set accordingly."""
    name = request.param
    monkeypatch.setenv("WAREHOUSE", name)
    monkeypatch.setenv("GX_ANALYTICS_ENABLED", "false")
    if name == "duckdb":
        monkeypatch.setenv(
            "DESTINATION__DUCKDB__CREDENTIALS", str(request.getfixturevalue("duckdb_warehouse"))
        )
    else:
        database = request.getfixturevalue("postgres_warehouse")
        prefix = "DESTINATION__POSTGRES__CREDENTIALS__"
        monkeypatch.setenv(prefix + "DATABASE", database)
        # These tests are about the checks, on crafted schemas: privileges are tested end to end elsewhere.
        monkeypatch.setenv("POSTGRES__ROLES", "off")
        for part, value in POSTGRES_ENVIRONMENT.items():
            monkeypatch.setenv(prefix + part, value)
    return name


_GATE_CACHE: dict[tuple, object] = {}


@pytest.fixture
def gate(backend: str) -> Callable[..., object]:
    """``gate(stage, schema_map)``: the gate's result on this engine, computed once per session."""
    from expectations.gate import run_gate

    def run(stage: str, schema_map: Mapping[str, str] | None = None) -> object:
        key = (backend, stage, tuple(sorted((schema_map or {}).items())))
        if key not in _GATE_CACHE:
            _GATE_CACHE[key] = run_gate(stage, schema_map)
        return _GATE_CACHE[key]

    return run
