"""PySpark jobs over the project's files, each runnable as ``python -m spark_jobs.<job>`` on a local Spark."""
