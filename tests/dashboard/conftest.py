"""One small demo run per engine, shared by every dashboard test (and the environment that points at it)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres_server import POSTGRES_ENVIRONMENT, throwaway_database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs"))  # headless_chromium

SCALE, SEED = "0.02", "11"


def _environment(engine: str, folder: Path, database: str | None) -> dict[str, str]:
    """The variables a test (or the app it starts) needs to see this engine's demo warehouse."""
    environment = {
        "WAREHOUSE": engine,
        "PROJECT__DATA_DIR": str(folder / "data"),
        "DBT_TARGET_PATH": str(folder / "dbt_target"),
        "DBT_LOG_PATH": str(folder / "dbt_logs"),
        "DEMO__OLTP_URL": f"sqlite:///{folder / 'data' / 'source' / 'oltp.sqlite'}",
    }
    if database is not None:
        server = POSTGRES_ENVIRONMENT
        environment |= {f"DESTINATION__POSTGRES__CREDENTIALS__{k}": v for k, v in server.items()}
        environment["DESTINATION__POSTGRES__CREDENTIALS__DATABASE"] = database
        environment["DEMO__OLTP_URL"] = (
            f"postgresql+psycopg2://{server['USERNAME']}@{server['HOST']}:{server['PORT']}/{database}"
        )
    return environment


@pytest.fixture(scope="session", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def demo_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A demo run at a small scale on one engine, once per engine; yields the environment that reaches it."""
    from warehouse.cli import main

    engine = request.param
    folder = tmp_path_factory.mktemp(f"dashboard_{engine}")
    with throwaway_database("jaffle_dash") if engine == "postgres" else _nothing() as database:
        environment = _environment(engine, folder, database)
        with pytest.MonkeyPatch.context() as patch:
            patch.delenv("DESTINATION__DUCKDB__CREDENTIALS", raising=False)
            for name, value in environment.items():
                patch.setenv(name, value)
            (folder / "data").mkdir()
            assert main(["demo", "--scale", SCALE, "--seed", SEED]) == 0
        yield environment


class _nothing:
    """A context without a database (DuckDB)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.fixture
def dashboard_env(demo_run: dict, monkeypatch: pytest.MonkeyPatch) -> dict:
    """This test sees the demo warehouse of its engine."""
    monkeypatch.delenv("DESTINATION__DUCKDB__CREDENTIALS", raising=False)
    for name, value in demo_run.items():
        monkeypatch.setenv(name, value)
    return demo_run
