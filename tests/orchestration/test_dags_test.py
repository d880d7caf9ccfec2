"""End to end: ``airflow dags test`` on small demo data publishes the same marts as ``jaffle demo``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.airflow_env import airflow_environment
from warehouse import settings
from warehouse.connection import quote

SCALE = "0.02"
pytestmark = pytest.mark.slow


# The run's own bookkeeping differs between two runs (run ids, times): the marts are compared.
BOOKKEEPING = {"publication", "table_loads", "check_results"}


def _published(data: Path) -> dict[str, list[tuple]]:
    """Every published mart's rows, sorted, from the readers' snapshot."""
    with duckdb.connect(str(data / "published.duckdb"), read_only=True) as connection:
        tables = connection.execute(
            "select table_name from information_schema.tables where table_schema = 'main'"
        ).fetchall()
        return {
            table: sorted(connection.execute(f"select * from {quote(table)}").fetchall(), key=repr)
            for (table,) in tables
            if table not in BOOKKEEPING
        }


def _environment(home: Path, data: Path, environment: dict[str, str]) -> dict[str, str]:
    """The test's environment with its own data folder and demo OLTP database."""
    return environment | {
        "JAFFLE_DATA_DIR": str(data),
        "JAFFLE_SCALE": SCALE,
        "JAFFLE_DEMO_OLTP_URL": f"sqlite:///{data / 'source' / 'oltp.sqlite'}",
        "WAREHOUSE": "duckdb",
    }


def test_dags_test_publishes_the_demo_marts(airflow_env: dict[str, str], tmp_path: Path) -> None:
    """One DAG run succeeds, records its run summary, and publishes marts equal to those of ``jaffle demo``."""
    home = Path(airflow_env["AIRFLOW_HOME"])
    by_dag, by_cli = tmp_path / "dag", tmp_path / "cli"
    environment = airflow_environment(home, dict(airflow_env))
    environment.pop("DESTINATION__DUCKDB__CREDENTIALS", None)
    dag_run = subprocess.run(
        [str(Path(sys.executable).parent / "airflow"), "dags", "test", "jaffle_pipeline"],
        env=_environment(home, by_dag, environment),
        cwd=settings.PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert dag_run.returncode == 0, dag_run.stdout[-5000:] + dag_run.stderr[-5000:]
    (record,) = [json.loads(path.read_text()) for path in (by_dag / "runs").glob("airflow-*.json")]
    assert record["status"] == "ok"
    assert [s["name"] for s in record["steps"]][-2:] == ["check_marts", "publish"]
    subprocess.run(
        [str(Path(sys.executable).parent / "jaffle"), "demo", "--scale", SCALE],
        env=_environment(home, by_cli, environment),
        cwd=settings.PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    assert _published(by_dag) == _published(by_cli)
