"""The DAG's Python tasks: each calls one public step of the pipeline under the warehouse lock."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from warehouse import steps
from warehouse.run_lock import warehouse_lock
from warehouse.runs import RunRecord, StepFailed

from .failures import is_permanent
from .records import load_record, record_id


def _in_run(context: dict[str, Any], command: str, step: Callable[[RunRecord], Any]) -> Any:
    """Run one step in a fresh child process, inside the DAG run's record and the warehouse lock.

    A child per step, as each task gets in a deployed Airflow: ``airflow dags test`` runs every task in one
    process, where a connection a gate left open would clash with the next step's. A permanent failure (and any
    failure but extract-load's) raises AirflowFailException, so it is not retried.
    """
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        outcome, value, permanent = pool.submit(_run_step, record_id(context), command, step).result()
    if outcome == "ok":
        return value
    if permanent or not command.startswith("el "):
        raise AirflowFailException(value)
    raise StepFailed(value)


def _run_step(run_id: str, command: str, step: Callable[[RunRecord], Any]) -> tuple[str, Any, bool]:
    """In the child: run the step; return ("ok", result, False) or ("failed", message, permanent)."""
    record = load_record(run_id)
    record.status = "running"
    try:
        with warehouse_lock(f"airflow {command}"):
            return "ok", step(record), False
    except StepFailed as error:
        return "failed", str(error), is_permanent(error)


def extract_load_source(source: str, api: str, **context: Any) -> dict[str, Any]:
    """Extract-load one source, as ``jaffle el --source NAME`` does."""
    if api == "local":
        steps.generate_demo_data(*_demo_options())
    return _in_run(context, f"el {source}", partial(_extract_load, api=api, source=source))


def _demo_options() -> tuple[float, int]:
    """The demo data's scale and seed: ``JAFFLE_SCALE`` and ``JAFFLE_SEED`` or the CLI's defaults."""
    import os

    return float(os.environ.get("JAFFLE_SCALE", steps.DEFAULT_SCALE)), int(
        os.environ.get("JAFFLE_SEED", steps.DEFAULT_SEED)
    )


def gate(stage: str, **context: Any) -> None:
    """The quality gate of one stage; a failed gate fails the task for good."""
    _in_run(context, f"check {stage}", partial(_gate, stage=stage))


def freshness(**context: Any) -> None:
    """``dbt source freshness``: a stale source stops the run."""
    _in_run(context, "check freshness", steps.freshness)


def reconcile(api: str, **context: Any) -> None:
    """The demo's marts reconcile with the source (skipped when the API is not the local demo)."""
    if api == "local":
        _in_run(context, "check reconcile", steps.reconcile)


def publish(**context: Any) -> dict[str, int]:
    """Gate the marts, publish them, and finish the run's record for the dashboard."""

    return _in_run(context, "publish", _publish_and_finish)


def _publish_and_finish(record: RunRecord) -> dict[str, int]:
    """Publish the checked marts, then mark the run record successful."""
    counts = steps.publish_checked(record)
    record.finish()
    return counts


def _gate(record: RunRecord, stage: str) -> None:
    """One stage's gate; its result stays in the child (the run record and check_results hold it)."""
    steps.check(record, stage)


def _extract_load(record: RunRecord, api: str, source: str) -> dict[str, Any]:
    """One source's extract-load (a module-level function: it is sent to the child process)."""
    return steps.extract_load(record, api, sources=[source])
