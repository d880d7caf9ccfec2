"""The pipeline as one daily Airflow DAG: the declared steps (warehouse/pipeline.py), one task each, and one
extract-load task per source.

dbt is one task, ``dbt build`` as ``jaffle transform`` runs it (dbt's own log and run_results.json show each
model and test). One Airflow task per dbt model and test (Cosmos), each its own dbt process of a few seconds,
cost far more than it showed: the test of one DAG run on Postgres (``test_dags_test_publishes_on_postgres``,
DEMO__SCALE=0.02) took 589 s with those tasks and 85 s with this one, on the same 2 cores under other load.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.standard.operators.python import PythonOperator, ShortCircuitOperator
from airflow.sdk import DAG

import settings
from engines import current_engine
from warehouse.pipeline import PIPELINE, Step

from . import tasks
from .environment import switch_telemetry_off
from .failures import record_failure

switch_telemetry_off()
DAG_ID = "jaffle_pipeline"
POOL = "jaffle_warehouse"  # tasks run one at a time anyway (max_active_tasks=1): DuckDB has one writer
ORCHESTRATION = settings.current().orchestration
API = ORCHESTRATION.api
DEFAULT_ARGS = {
    "owner": "data-engineering",
    "on_failure_callback": record_failure,
    "retries": 0,
}
EXTRACT_LOAD_RETRY = {
    "retries": ORCHESTRATION.el_retries,
    "retry_delay": timedelta(seconds=ORCHESTRATION.el_retry_delay),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
}


def _python_task(task_id: str, callable_, doc: str, **kwargs) -> PythonOperator:
    """A Python task calling one pipeline step."""
    return PythonOperator(task_id=task_id, python_callable=callable_, doc_md=doc, **kwargs)


def _step_tasks(step: Step) -> list:
    """The tasks of one declared step: one per source for extract-load, else one Python task."""
    if step.per_source:
        return [
            _python_task(
                f"{step.name}_{source}",
                tasks.extract_load_source,
                f"Extract-load `{source}` into `raw_{source}` (as `jaffle el --source {source}`); transient"
                " errors are retried with exponential backoff, contract violations and failed reconciliations"
                " not.",
                op_kwargs={"source": source, "api": API},
                **EXTRACT_LOAD_RETRY,
            )
            for source in settings.extract_load_sources()
        ]
    arguments = {"op_kwargs": {"name": step.name, "api": API}}
    if step.may_end_run:  # returning False skips every later task: nothing changed since the published run
        return [
            ShortCircuitOperator(
                task_id=step.name, python_callable=tasks.run_step, doc_md=step.doc, **arguments
            )
        ]
    # Each task (publish too) runs only when every upstream task succeeded: Airflow's default trigger rule.
    return [_python_task(step.name, tasks.run_step, step.doc, **arguments)]


with DAG(
    dag_id=DAG_ID,
    doc_md=__doc__,
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    max_active_tasks=1,
    default_args=DEFAULT_ARGS,
    tags=["jaffle", "warehouse", current_engine().name],
) as dag:
    # The declared pipeline, in its order (warehouse/pipeline.py): each step's tasks follow the previous step's.
    previous: list = []
    for step in PIPELINE:
        current = _step_tasks(step)
        for upstream in previous:
            upstream >> current
        previous = current
