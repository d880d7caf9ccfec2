"""Shared fixtures: an isolated working folder per test and a warehouse switch over DuckDB and Postgres.

Postgres tests skip with a clear reason when no server answers at 127.0.0.1:5432, except in CI (CI=true),
where an unreachable server fails them: CI must prove the Postgres path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import tiers
from postgres_server import POSTGRES_ENVIRONMENT, throwaway_database


def pytest_report_header(config: pytest.Config) -> str | None:
    """The slow tier's sample, so a failing sample can be run again."""
    sample = tiers.sample_settings()
    if sample is None:
        return None
    share, seed = sample
    return f"slow tier: a sample of {share:.0%} (one test of every folder at least), seed {seed}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Sample the slow tier when asked (tiers.py); then slow tests first, the longest first of all.

    The sort is stable, so every xdist worker sees the same order. With ``--dist worksteal`` (make test) each
    worker starts on its share in this order and an idle worker takes tests from the end of another's: the
    tests of minutes start early and the short ones fill the gaps at the end.
    """
    sample = tiers.sample_settings()
    if sample is not None:
        tiers.keep_only(config, items, {id(item) for item in tiers.slow_sample(items, *sample)})
    items.sort(key=tiers.start_order)


@pytest.fixture(scope="session", autouse=True)
def private_dbt_output_folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """dbt's target and log folders, private to this test session (each pytest-xdist worker has its own).

    Two dbt processes writing one target folder (manifest, partial parse, run results) would trample each other.
    """
    folder = tmp_path_factory.mktemp("dbt")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", str(folder / "target"))
        patch.setenv("DBT_LOG_PATH", str(folder / "logs"))
        yield folder


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A throw-away database on the local server, dropped afterwards."""
    with throwaway_database("jaffle_test") as name:
        yield name


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder for generated data, DuckDB files, dlt state and run records."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("PROJECT__DATA_DIR", str(folder))
    monkeypatch.delenv("DESTINATION__DUCKDB__CREDENTIALS", raising=False)
    # The demo's operational database is private to the test too (the Postgres warehouse overrides it).
    monkeypatch.setenv("DEMO__OLTP_URL", f"sqlite:///{folder / 'source' / 'oltp.sqlite'}")
    return folder


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse(request: pytest.FixtureRequest, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test using this runs once on DuckDB and once on a fresh Postgres database."""
    name = request.param
    monkeypatch.setenv("WAREHOUSE", name)
    if name == "postgres":
        database = request.getfixturevalue("postgres_database")
        monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS__DATABASE", database)
        for part, value in POSTGRES_ENVIRONMENT.items():
            monkeypatch.setenv(f"DESTINATION__POSTGRES__CREDENTIALS__{part}", value)
        # On Postgres the demo's operational database is PostgreSQL as well: the test database's public schema.
        server = POSTGRES_ENVIRONMENT
        monkeypatch.setenv(
            "DEMO__OLTP_URL",
            f"postgresql+psycopg2://{server['USERNAME']}@{server['HOST']}:{server['PORT']}/{database}",
        )
    return name
