"""Transient errors are retried, contract violations and failed reconciliations are not; failures are recorded."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from extract_load.ledger import ReconciliationError
from orchestration.failures import is_permanent, record_failure
from warehouse.runs import StepFailed


def _failed_step(cause: Exception) -> StepFailed:
    """A StepFailed raised from ``cause``, as extract_load raises it."""
    try:
        raise StepFailed("extract-load failed") from cause
    except StepFailed as error:
        return error


def test_classification() -> None:
    """A reconciliation error or a contract violation anywhere in the causes is permanent; a 500 is not."""
    from dlt.common.schema.exceptions import DataValidationError

    assert is_permanent(_failed_step(ReconciliationError.__new__(ReconciliationError)))
    assert is_permanent(_failed_step(DataValidationError.__new__(DataValidationError)))
    assert not is_permanent(_failed_step(ConnectionError("500 Server Error")))


def test_permanent_failure_is_not_retried(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    """A failed reconciliation in extract-load raises AirflowFailException (no retry); a transient one does not."""
    from airflow.sdk.exceptions import AirflowFailException

    from orchestration import tasks  # imported here: importing Airflow at collection fixes its home

    def failing(record, api, landing, sources):
        raise _failed_step(cause)

    monkeypatch.setattr(tasks.steps, "extract_load", failing)
    monkeypatch.setattr(tasks.steps, "generate_demo_data", lambda *a: None)
    cause: Exception = ReconciliationError.__new__(ReconciliationError)
    with pytest.raises(AirflowFailException):
        tasks.extract_load_source("jaffle_api", "local", run_id="manual__1")
    cause = ConnectionError("500 Server Error")
    with pytest.raises(StepFailed):
        tasks.extract_load_source("jaffle_api", "local", run_id="manual__1")


def test_failure_callback_writes_run_history(data_dir: Path) -> None:
    """The failing task and its reason land in the DAG run's record under data/runs."""
    context = {
        "run_id": "manual__2",
        "exception": ValueError("bad"),
        "task_instance": SimpleNamespace(task_id="x"),
    }
    record_failure(context)
    (path,) = (data_dir / "runs").glob("airflow-manual__2.json")
    saved = json.loads(path.read_text())
    assert saved["status"] == "failed"
    assert saved["steps"][-1] == {
        "name": "airflow:x", "status": "failed", "seconds": 0.0, "detail": {}, "error": "ValueError: bad",
    }  # fmt: skip


DAG_RUN_ID = "manual__2026-12-03T10:00:00+00:00"
HOLDER = "airflow-manual__2026-12-03T10_00_00_00_00"  # the run record's id of that DAG run


@pytest.fixture
def leased(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The DuckDB warehouse leased to the DAG run, as its first task leaves it."""
    from warehouse.run_lock import warehouse_lock

    monkeypatch.setenv("WAREHOUSE", "duckdb")
    with warehouse_lock("airflow el jaffle_api", lease_holder=HOLDER):
        pass


def test_the_dbt_task_of_the_leased_dag_run_runs_inside_the_lock(
    leased, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engines import current_engine
    from orchestration import tasks
    from warehouse import steps
    from warehouse.run_lease import current_lease

    before, seen = current_lease(), {}
    monkeypatch.setattr(steps, "transform", lambda record: seen.update(holder=current_engine().lock_holder()))
    tasks.run_step("transform", "local", run_id=DAG_RUN_ID)
    assert seen["holder"] and seen["holder"]["command"] == "airflow transform", (
        "dbt ran while the lock was held"
    )
    assert current_engine().lock_holder() is None, "the lock ends with the task"
    after = current_lease()
    assert after is not None and after.holder == HOLDER and after.expires_at >= before.expires_at


def test_a_task_of_another_run_is_refused_before_dbt_starts(leased, monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration import tasks
    from warehouse import steps
    from warehouse.run_lock import WarehouseBusy

    monkeypatch.setattr(steps, "transform", lambda record: pytest.fail("dbt must not start"))
    with pytest.raises(WarehouseBusy, match=HOLDER):
        tasks.run_step("transform", "local", run_id="scheduled__2026-12-04T00:00:00+00:00")


def test_a_failed_task_gives_the_lease_back(leased) -> None:
    from warehouse.run_lease import current_lease

    record_failure(
        {"run_id": DAG_RUN_ID, "exception": ValueError("bad"), "task_instance": SimpleNamespace(task_id="x")}
    )
    assert current_lease() is None, "a failed DAG run must not keep the warehouse until its lease expires"


def test_a_dag_run_with_nothing_new_ends_at_the_comparison_and_gives_the_lease_back(
    leased, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration import tasks
    from warehouse import steps
    from warehouse.run_lease import current_lease

    monkeypatch.setattr(steps, "compare_inputs", lambda record, force: False)
    assert tasks.run_step("compare_inputs", "local", run_id=DAG_RUN_ID) is False, (
        "False skips the later tasks"
    )
    assert current_lease() is None, "the run is over: the next one may start"
    (path,) = (data_dir / "runs").glob(f"{HOLDER}.json")
    assert json.loads(path.read_text())["status"] == "ok"
