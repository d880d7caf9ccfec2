"""The DAG imports with no errors and has the declared steps as tasks: one per source, one per other step."""

from __future__ import annotations

import pytest

import settings
from orchestration.airflow_env import DAGS_FOLDER


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
    """extract-load per source -> freshness -> inputs compared -> raw gate -> dbt build -> reconcile -> marts
    gate -> publish; the comparison short-circuits the rest when nothing changed."""
    for source in settings.extract_load_sources():
        task = dag.get_task(f"extract_load_{source}")
        assert task.downstream_task_ids == {"freshness"}
        assert task.retries > 0 and task.retry_exponential_backoff
    assert type(dag.get_task("compare_inputs")).__name__ == "ShortCircuitOperator"
    chain = ["freshness", "compare_inputs", "check_raw", "transform", "reconcile", "check_marts", "publish"]
    for earlier, later in zip(chain, chain[1:], strict=False):
        assert dag.get_task(earlier).downstream_task_ids == {later}
    publish = dag.get_task("publish")
    assert publish.trigger_rule == "all_success"
    assert publish.downstream_task_ids == set()
    assert len(publish.get_flat_relative_ids(upstream=True)) == len(dag.tasks) - 1


def _declared_step(task_id: str) -> str:
    """The declared step a task belongs to: one task per source, else the step itself."""
    for source in settings.extract_load_sources():
        if task_id == f"extract_load_{source}":
            return "extract_load"
    return task_id


def test_the_dags_tasks_are_the_declared_pipeline_in_its_order(dag) -> None:
    """Every task belongs to a declared step, every step has tasks, and each step's tasks run after all of the
    previous step's: the DAG is warehouse/pipeline.py with extract-load per source."""
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
