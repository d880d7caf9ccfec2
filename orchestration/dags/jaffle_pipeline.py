"""The Airflow DAG folder's one file: the pipeline DAG (defined in orchestration/dag.py)."""

from orchestration.dag import dag  # noqa: F401  (Airflow collects the DAG from this module)
