"""Apache Airflow orchestration of the pipeline: one DAG calling the pipeline's public steps."""
