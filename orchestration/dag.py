"""The pipeline as one daily Airflow DAG: the declared steps (warehouse/pipeline.py), one task per source and
per dbt node."""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta
from pathlib import Path

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

from warehouse import settings
from warehouse.pipeline import PIPELINE, Step

from . import tasks
from .environment import dbt_environment, manifest_path, switch_telemetry_off
from .failures import record_failure

switch_telemetry_off()
DAG_ID = "jaffle_pipeline"
POOL = "jaffle_warehouse"  # tasks run one at a time anyway (max_active_tasks=1): DuckDB has one writer
API = os.environ.get("JAFFLE_API", "local")
DEFAULT_ARGS = {
    "owner": "data-engineering",
    "on_failure_callback": record_failure,
    "retries": 0,
}
EXTRACT_LOAD_RETRY = {
    "retries": int(os.environ.get("JAFFLE_EL_RETRIES", "3")),
    "retry_delay": timedelta(seconds=float(os.environ.get("JAFFLE_EL_RETRY_DELAY", "30"))),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
}


def _python_task(task_id: str, callable_, doc: str, **kwargs) -> PythonOperator:
    """A Python task calling one pipeline step."""
    return PythonOperator(task_id=task_id, python_callable=callable_, doc_md=doc, **kwargs)


def locked_dbt_executable() -> str:
    """The project environment's ``jaffle-dbt-locked`` (orchestration/locked_dbt.py), beside its dbt."""
    return str(Path(sys.executable).with_name("jaffle-dbt-locked"))


def _dbt_group() -> DbtTaskGroup:
    """dbt through Cosmos: one run and one test task per model, rendered from the parsed manifest."""
    return DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=settings.DBT_PROJECT_DIR,
            manifest_path=manifest_path(),
            install_dbt_deps=False,
            env_vars=dbt_environment(),
        ),
        profile_config=ProfileConfig(
            profile_name="jaffle_warehouse",
            target_name=settings.warehouse_name(),
            profiles_yml_filepath=settings.DBT_PROJECT_DIR / "profiles.yml",
        ),
        # dbt as a subprocess of the project's environment: in-process (dbtRunner, Cosmos' default when dbt is
        # importable) dbt-duckdb would keep the warehouse open in the task's process after the task ended. The
        # subprocess is jaffle-dbt-locked, which runs dbt inside the warehouse lock and the DAG run's lease.
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.SUBPROCESS,
            dbt_executable_path=locked_dbt_executable(),
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.AFTER_EACH,
            should_detach_multiple_parents_tests=True,
        ),
        operator_args={"install_deps": False},
        default_args={"doc_md": "A dbt node of the project (see the dbt docs: `make docs`)."},
    )


def _step_tasks(step: Step) -> list:
    """The tasks of one declared step: one per source, the dbt task group, or one Python task."""
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
    if step.dbt_nodes:
        return [_dbt_group()]
    # publish runs only when every upstream task succeeded, and finishes the run record for the dashboard.
    trigger = {"trigger_rule": "all_success"} if step.name == "publish" else {}
    return [
        _python_task(
            step.name, tasks.run_step, step.doc, op_kwargs={"name": step.name, "api": API}, **trigger
        )
    ]


with DAG(
    dag_id=DAG_ID,
    doc_md=__doc__,
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    max_active_tasks=1,
    default_args=DEFAULT_ARGS,
    tags=["jaffle", "warehouse", settings.warehouse_name()],
) as dag:
    # The declared pipeline, in its order (warehouse/pipeline.py): each step's tasks follow the previous step's.
    previous: list = []
    for step in PIPELINE:
        current = _step_tasks(step)
        for upstream in previous:
            upstream >> current
        previous = current
