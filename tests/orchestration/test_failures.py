"""Transient errors are retried, contract violations and failed reconciliations are not; failures are recorded."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from types import SimpleNamespace

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


def test_permanent_failure_is_not_retried(data_dir: Path) -> None:
    """A failed reconciliation in a step is reported as permanent (no retry); a transient error is not."""
    from orchestration import tasks  # imported here: importing Airflow at collection fixes its home

    def failing(record, cause: Exception) -> None:
        raise _failed_step(cause)

    reconciliation = ReconciliationError.__new__(ReconciliationError)
    outcome = tasks._run_step("airflow-1", "el jaffle_api", partial(failing, cause=reconciliation))
    assert outcome[0] == "failed" and outcome[2] is True
    outcome = tasks._run_step("airflow-1", "el jaffle_api", partial(failing, cause=ConnectionError("500")))
    assert outcome == ("failed", "extract-load failed", False)


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
