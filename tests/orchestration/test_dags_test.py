"""End to end with ``airflow dags test`` on small demo data.

On DuckDB one test makes two DAG runs (each takes minutes), the second keeping what the first published: the
API is down during the first try of its extract-load task, Airflow retries it and the run publishes the same
marts as ``jaffle demo``; then the operational database records a negative wage, the raw gate's critical
expectation fails, the second run fails without publishing, and what readers see is unchanged. On Postgres
one run publishes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from canaries import canary, files_under, leaks_in_files, leaks_in_texts
from postgres_server import POSTGRES_ENVIRONMENT
from published_data import published_fingerprint

import settings
from orchestration.airflow_env import airflow_environment
from warehouse.connection import quote

DAG_ID = "jaffle_pipeline"
SCALE = "0.02"
VENV_BIN = Path(sys.executable).parent
API_DOWN_ONCE = Path(__file__).with_name("api_down_once.py")
NETWORK_GUARD = Path(__file__).parent.parent / "network_guard"  # its sitecustomize.py
# dlt gives up on the API after two quick attempts; Airflow retries the task a second later.
QUICK_RETRIES = {
    "RUNTIME__REQUEST_MAX_ATTEMPTS": "2",
    "RUNTIME__REQUEST_BACKOFF_FACTOR": "0.1",
    "ORCHESTRATION__EL_RETRY_DELAY": "1",
}
LEASE_FILE = "duckdb.lease.json"  # warehouse.run_lease: the DAG run keeps the warehouse between its tasks
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


def _environment(airflow_env: dict[str, str], data: Path, **extra: str) -> dict[str, str]:
    """The test's Airflow environment with its own data folder and demo OLTP database (DuckDB unless told)."""
    environment = airflow_environment(Path(airflow_env["AIRFLOW_HOME"]), dict(airflow_env))
    environment.pop("DESTINATION__DUCKDB__CREDENTIALS", None)
    # Every Python process of the run refuses and records connections outside this machine (network_guard).
    path = os.pathsep.join(filter(None, [str(NETWORK_GUARD), environment.get("PYTHONPATH")]))
    return environment | {
        "PYTHONPATH": path,
        "JAFFLE_NETWORK_GUARD_LOG": str(data.parent / f"{data.name}-outbound.log"),
        "PROJECT__DATA_DIR": str(data),
        "DEMO__SCALE": SCALE,
        "DEMO__OLTP_URL": f"sqlite:///{data / 'source' / 'oltp.sqlite'}",
        "WAREHOUSE": "duckdb",
        **extra,
    }


def _dags_test(environment: dict[str, str], api_down_once: bool = False) -> subprocess.CompletedProcess:
    """``airflow dags test jaffle_pipeline``, with the API down during its first extract-load try if asked."""
    airflow = [sys.executable, str(API_DOWN_ONCE)] if api_down_once else [str(VENV_BIN / "airflow")]
    return subprocess.run(
        [*airflow, "dags", "test", DAG_ID],
        env=environment,
        cwd=settings.PROJECT_ROOT,
        capture_output=True,
        text=True,
    )


def _assert_nothing_left_the_machine(environment: dict[str, str]) -> None:
    """No Python process of the run tried to reach beyond loopback: telemetry is off everywhere.

    The guard is shown to work first: a connection to a documentation address (RFC 5737) in the same
    environment must be refused and recorded.
    """
    log = Path(environment["JAFFLE_NETWORK_GUARD_LOG"])
    attempts = log.read_text() if log.exists() else ""
    assert not attempts, f"outbound connections were attempted:\n{attempts[:3000]}"
    probe = "import socket; socket.create_connection(('203.0.113.7', 80), timeout=1)"
    refused = subprocess.run([sys.executable, "-c", probe], env=environment, capture_output=True, text=True)
    assert refused.returncode != 0 and "network guard refused" in refused.stderr, refused.stderr[-2000:]
    assert "203.0.113.7" in log.read_text(), "the guard records what it refuses"
    log.unlink()


def _output(completed: subprocess.CompletedProcess) -> str:
    """The end of a command's output, for an assertion message."""
    return completed.stdout[-5000:] + completed.stderr[-5000:]


def _last_run(environment: dict[str, str]) -> tuple[str, dict[str, tuple[str, int]]]:
    """The latest DAG run's state and each task's (state, try number), from Airflow's metadata database."""
    database = environment["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(database)) as metadata:
        run_id, state = metadata.execute(
            "select run_id, state from dag_run where dag_id = ? order by id desc limit 1", (DAG_ID,)
        ).fetchone()
        tasks = metadata.execute(
            "select task_id, state, try_number from task_instance where dag_id = ? and run_id = ?",
            (DAG_ID, run_id),
        ).fetchall()
    return state, {task: (task_state, tries) for task, task_state, tries in tasks}


def _run_record(data: Path) -> dict:
    """The newest DAG run's record in the data folder's runs/."""
    paths = sorted((data / "runs").glob("airflow-*.json"), key=lambda path: path.stat().st_mtime)
    return json.loads(paths[-1].read_text())


def _pay_a_negative_wage(data: Path) -> None:
    """The operational database records a negative hourly rate for one employee, as changed just now."""
    now = datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")
    with closing(sqlite3.connect(data / "source" / "oltp.sqlite")) as oltp, oltp:
        oltp.execute(
            "update employees set hourly_rate_cents = -1500, updated_at = ?"
            " where id = (select min(id) from employees)",
            (now,),
        )


def _snapshot_hash(data: Path) -> str:
    """The readers' snapshot file, byte for byte."""
    return hashlib.sha256((data / "published.duckdb").read_bytes()).hexdigest()


def test_dag_retries_a_down_api_publishes_and_a_failed_gate_publishes_nothing(
    airflow_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A retried API outage still publishes the demo marts; a failed critical expectation publishes nothing."""
    by_dag, by_cli = tmp_path / "dag", tmp_path / "cli"
    environment = _environment(airflow_env, by_dag)
    dag_run = _dags_test(environment | QUICK_RETRIES, api_down_once=True)
    assert dag_run.returncode == 0, _output(dag_run)
    state, tasks = _last_run(environment)
    assert state == "success"
    assert tasks["extract_load_jaffle_api"] == ("success", 2), "the API task's first try must fail"
    assert all(tries == 1 for task, (_, tries) in tasks.items() if task != "extract_load_jaffle_api")
    record = _run_record(by_dag)
    assert record["status"] == "ok"
    names = [s["name"] for s in record["steps"]]
    assert names[-2:] == ["check_marts", "publish"]
    assert (names.count("check_raw"), names.count("check_marts")) == (1, 1), f"each gate runs once: {names}"
    assert not (by_dag / LEASE_FILE).exists(), "publish gives the DAG run's lease on the warehouse back"
    subprocess.run(
        [str(VENV_BIN / "jaffle"), "demo", "--scale", SCALE],
        env=_environment(airflow_env, by_cli),
        cwd=settings.PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    assert _published(by_dag) == _published(by_cli)
    _assert_nothing_left_the_machine(environment)  # the DAG run
    _assert_nothing_left_the_machine(_environment(airflow_env, by_cli))  # `jaffle demo`

    monkeypatch.setenv("PROJECT__DATA_DIR", str(by_dag))
    monkeypatch.setenv("WAREHOUSE", "duckdb")
    published, snapshot = published_fingerprint(with_publication=True), _snapshot_hash(by_dag)
    _pay_a_negative_wage(by_dag)
    dag_run = _dags_test(environment)
    assert dag_run.returncode != 0, _output(dag_run)
    state, tasks = _last_run(environment)
    assert state == "failed"
    assert tasks["extract_load_jaffle_oltp"][0] == "success"
    assert tasks["check_raw"][0] == "failed"
    assert tasks["publish"][0] == "upstream_failed"
    assert tasks["transform"][0] == "upstream_failed"
    record = _run_record(by_dag)
    assert record["status"] == "failed"
    assert record["steps"][-1]["name"] == "airflow:check_raw"
    assert "hourly_rate_cents" in json.dumps(record)
    assert not (by_dag / LEASE_FILE).exists(), "the failure callback gives the failed run's lease back"
    assert published_fingerprint(with_publication=True) == published
    assert _snapshot_hash(by_dag) == snapshot
    _assert_nothing_left_the_machine(environment)


@pytest.mark.postgres
def test_dags_test_publishes_on_postgres(
    airflow_env: dict[str, str], tmp_path: Path, postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``WAREHOUSE=postgres`` one DAG run succeeds and publishes every mart to the published schema; a
    canary password and API token (the local server trusts every connection) appear in no task log."""
    server = POSTGRES_ENVIRONMENT
    credentials = {f"DESTINATION__POSTGRES__CREDENTIALS__{part}": value for part, value in server.items()}
    credentials["DESTINATION__POSTGRES__CREDENTIALS__DATABASE"] = postgres_database
    secrets = {"password": canary("password"), "token": canary("token")}
    credentials["DESTINATION__POSTGRES__CREDENTIALS__PASSWORD"] = secrets["password"]
    oltp = f"postgresql+psycopg2://{server['USERNAME']}@{server['HOST']}:{server['PORT']}/{postgres_database}"
    data = tmp_path / "dag"
    environment = _environment(
        airflow_env,
        data,
        WAREHOUSE="postgres",
        DEMO__OLTP_URL=oltp,
        SOURCES__JAFFLE_API__TOKEN=secrets["token"],
        AIRFLOW__LOGGING__LOGGING_LEVEL="DEBUG",
        **credentials,
    )
    started = time.time() - 1.0  # file times may be coarser than the clock
    dag_run = _dags_test(environment)
    assert dag_run.returncode == 0, _output(dag_run)
    # Airflow's home holds the task logs, dbt's target and log folders and the metadata database.
    task_logs = files_under(Path(environment["AIRFLOW_HOME"]), modified_since=started)
    assert any(path.suffix == ".log" for path in task_logs), f"no log file was written: {task_logs}"
    leaks = leaks_in_texts(secrets, {"stdout": dag_run.stdout, "stderr": dag_run.stderr})
    leaks += leaks_in_files(secrets, [*task_logs, *files_under(data)])
    assert not leaks, f"{len(leaks)} leaks of a canary secret:\n" + "\n".join(leaks[:20])
    state, tasks = _last_run(environment)
    assert state == "success"
    assert tasks["publish"] == ("success", 1)
    assert _run_record(data)["status"] == "ok"
    _assert_nothing_left_the_machine(environment)
    for name, value in {**credentials, "WAREHOUSE": "postgres", "PROJECT__DATA_DIR": str(data)}.items():
        monkeypatch.setenv(name, value)
    published = published_fingerprint()
    assert {"orders", "customers", "store_daily_revenue"} <= set(published)
