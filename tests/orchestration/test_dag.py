"""The DAG imports with no errors and has one task per source, per dbt model (run and test) and per gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.airflow_env import DAGS_FOLDER
from warehouse import settings

MODELS = ["stg_jaffle_api__orders", "int_orders_summarised", "orders", "customers", "store_daily_revenue"]


@pytest.fixture
def dag(airflow_env: dict[str, str]):
    """The pipeline DAG, collected by Airflow from the DAG folder."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    assert bag.import_errors == {}
    return bag.get_dag("jaffle_pipeline")


def test_dag_settings(dag) -> None:
    """Daily, no catch-up, one active run, one task at a time, owned and tagged."""
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.max_active_tasks == 1
    assert "jaffle" in dag.tags
    assert all(task.owner == "data-engineering" for task in dag.tasks)
    assert dag.get_task("publish").doc_md


def test_tasks_and_edges(dag) -> None:
    """extract-load -> raw gate -> dbt models (run, then test) -> reconcile -> gates -> publish."""
    for source in settings.extract_load_sources():
        task = dag.get_task(f"extract_load_{source}")
        assert task.downstream_task_ids == {"check_raw"}
        assert task.retries > 0 and task.retry_exponential_backoff
    assert dag.get_task("check_raw").downstream_task_ids == {"freshness"}
    for model in MODELS:
        assert dag.get_task(f"dbt.{model}.run").downstream_task_ids == {f"dbt.{model}.test"}
    assert "dbt.stg_jaffle_api__orders.run" in dag.get_task("freshness").downstream_task_ids
    assert "dbt.orders.run" in dag.get_task("dbt.int_orders_summarised.test").downstream_task_ids
    after_dbt = dag.get_task("reconcile").upstream_task_ids
    assert after_dbt and all(task.startswith("dbt.") for task in after_dbt)
    assert "dbt.store_daily_revenue.test" in dag.get_task("reconcile").get_flat_relative_ids(upstream=True)
    assert dag.get_task("reconcile").downstream_task_ids == {"check_marts"}
    assert dag.get_task("check_marts").downstream_task_ids == {"publish"}
    publish = dag.get_task("publish")
    assert publish.trigger_rule == "all_success"
    assert publish.downstream_task_ids == set()
    assert len(publish.get_flat_relative_ids(upstream=True)) == len(dag.tasks) - 1


def _declared_step(task_id: str) -> str:
    """The declared step a task belongs to: one task per source, one per dbt node, else the step itself."""
    if task_id.startswith("dbt."):
        return "transform"
    for source in settings.extract_load_sources():
        if task_id == f"extract_load_{source}":
            return "extract_load"
    return task_id


def test_the_dags_tasks_are_the_declared_pipeline_in_its_order(dag) -> None:
    """Every task belongs to a declared step, every step has tasks, and each step's tasks run after all of the
    previous step's: the DAG is warehouse/pipeline.py with extract-load per source and dbt per node."""
    from warehouse.pipeline import PIPELINE

    by_step: dict[str, list] = {}
    for task in dag.tasks:
        by_step.setdefault(_declared_step(task.task_id), []).append(task)
    assert list(by_step) != [] and set(by_step) == {step.name for step in PIPELINE}
    for earlier, later in zip(PIPELINE, PIPELINE[1:], strict=False):
        for task in by_step[later.name]:
            upstream = task.get_flat_relative_ids(upstream=True)
            missing = [t.task_id for t in by_step[earlier.name] if t.task_id not in upstream]
            assert not missing, f"{task.task_id} does not wait for {missing}"
    assert sum(task.task_id.startswith("check_") for task in dag.tasks) == 2  # each gate once


def test_dbt_tasks_run_dbt_inside_the_warehouse_lock(dag) -> None:
    """Every Cosmos task runs jaffle-dbt-locked (dbt inside the lock and the DAG run's lease), not dbt itself."""
    dbt_tasks = [task for task in dag.tasks if task.task_id.startswith("dbt.")]
    assert dbt_tasks
    for task in dbt_tasks:
        assert Path(task.dbt_executable_path).name == "jaffle-dbt-locked", task.task_id
        assert Path(task.dbt_executable_path).exists()


def test_parsing_never_runs_dbt(airflow_env: dict[str, str]) -> None:
    """The DAG is rendered from the manifest: parsing writes no dbt run artifacts."""
    target = Path(airflow_env["DBT_TARGET_PATH"])
    assert (target / "manifest.json").exists()
    assert not (target / "run_results.json").exists()
