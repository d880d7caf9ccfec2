"""The DAG's dbt tasks run dbt inside the warehouse lock and the DAG run's lease (orchestration/locked_dbt.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from orchestration import locked_dbt
from orchestration.failures import record_failure
from warehouse.cli import EXIT_BUSY
from warehouse.run_lease import current_lease
from warehouse.run_lock import duckdb_lock_holder, warehouse_lock

DAG_RUN_ID = "manual__2026-12-03T10:00:00+00:00"
HOLDER = "airflow-manual__2026-12-03T10_00_00_00_00"  # the run record's id of that DAG run


@pytest.fixture
def leased(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The DuckDB warehouse leased to the DAG run, as its first task leaves it."""
    monkeypatch.setenv("WAREHOUSE", "duckdb")
    with warehouse_lock("airflow el jaffle_api", lease_holder=HOLDER):
        pass


def test_dbt_of_the_leased_dag_run_runs_inside_the_lock(leased, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CTX_DAG_RUN_ID", DAG_RUN_ID)
    before = current_lease()
    seen = {}

    def dbt(command: list[str]) -> int:
        seen["command"], seen["holder"] = command, duckdb_lock_holder()
        return 3

    monkeypatch.setattr(locked_dbt.subprocess, "call", dbt)
    assert locked_dbt.main(["run", "--select", "orders"]) == 3, "dbt's exit status is the wrapper's"
    assert seen["command"][0].endswith("/dbt") and seen["command"][1:] == ["run", "--select", "orders"]
    assert seen["holder"] and seen["holder"]["command"] == "airflow dbt run", (
        "dbt ran while the lock was held"
    )
    assert duckdb_lock_holder() is None, "the lock ends with dbt"
    after = current_lease()
    assert after is not None and after.holder == HOLDER and after.expires_at >= before.expires_at


def test_dbt_of_another_run_is_refused_before_dbt_starts(
    leased, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("AIRFLOW_CTX_DAG_RUN_ID", "scheduled__2026-12-04T00:00:00+00:00")
    monkeypatch.setattr(locked_dbt.subprocess, "call", lambda command: pytest.fail("dbt must not start"))
    assert locked_dbt.main(["run"]) == EXIT_BUSY
    assert HOLDER in capsys.readouterr().err
    monkeypatch.delenv("AIRFLOW_CTX_DAG_RUN_ID")
    assert locked_dbt.main(["run"]) == EXIT_BUSY, "outside a DAG run it is a manual command: refused too"


def test_the_installed_wrapper_runs_the_environments_dbt(data_dir: Path) -> None:
    wrapper = Path(sys.executable).with_name("jaffle-dbt-locked")
    completed = subprocess.run([str(wrapper), "--version"], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "1.11." in completed.stdout


def test_a_failed_task_gives_the_lease_back(leased) -> None:
    record_failure(
        {"run_id": DAG_RUN_ID, "exception": ValueError("bad"), "task_instance": SimpleNamespace(task_id="x")}
    )
    assert current_lease() is None, "a failed DAG run must not keep the warehouse until its lease expires"
