"""The DAG's Python tasks: each calls one public step of the pipeline under the warehouse lock.

Every task also renews the DAG run's lease on the warehouse (``warehouse.run_lease``), so no other run starts
between two of its tasks; publish gives the lease back, and so do a run that ends early because nothing changed
and the failure callback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from engines import current_engine
from warehouse import pipeline, steps
from warehouse.pipeline import RunOptions
from warehouse.run_lease import release_lease
from warehouse.run_lock import warehouse_lock
from warehouse.runs import RunRecord, StepFailed

from .failures import is_permanent
from .records import load_record, record_id


def _in_run(context: dict[str, Any], command: str, step: Callable[[RunRecord], Any]) -> Any:
    """Run one step inside the DAG run's record and the warehouse lock; a permanent failure is not retried."""
    record = load_record(record_id(context))
    record.status = "running"
    current_engine().prepare()  # as the CLI does before every command: idempotent
    try:
        with warehouse_lock(f"airflow {command}", lease_holder=record.run_id):
            return step(record)
    except StepFailed as error:
        if is_permanent(error) or not command.startswith("el "):
            raise AirflowFailException(str(error)) from error
        raise


def extract_load_source(source: str, api: str, **context: Any) -> dict[str, Any]:
    """Extract-load one source, as ``jaffle el --source NAME`` does."""
    if api == "local":
        steps.generate_demo_data()
    options = RunOptions(api=api, sources=[source])
    return _in_run(context, f"el {source}", lambda r: pipeline.run_step("extract_load", r, options))


def run_step(name: str, api: str, **context: Any) -> Any:
    """One declared step of the pipeline (warehouse/pipeline.py); publish, or a step that ends the run because
    nothing changed, also finishes the run's record and gives the lease back."""
    options = RunOptions(api=api)

    def step(record: RunRecord) -> Any:
        result = pipeline.run_step(name, record, options)
        if name == pipeline.PIPELINE[-1].name or (pipeline.STEPS[name].may_end_run and result is False):
            record.finish()
            release_lease(record.run_id)  # still inside the lock: the next run may start
        return result

    return _in_run(context, name, step)
