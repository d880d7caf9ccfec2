"""Run dbt with explicit project, profiles and target: a subprocess of this environment, in-process on Spark.

On Spark, dbt's session method shares the process's SparkSession: its embedded metastore admits one process
at a time, so the step that registered the lake tables and dbt must be the same process.
"""

from __future__ import annotations

import os
import subprocess

import settings
from engines import current_engine
from settings import dbt_executable


def dbt_environment() -> dict[str, str]:
    """The environment dbt reads: the warehouse switch and the DuckDB path as an absolute path."""
    engine = current_engine()
    environment = dict(os.environ)
    environment["WAREHOUSE"] = engine.name
    environment["DESTINATION__DUCKDB__CREDENTIALS"] = str(settings.duckdb_path())
    environment |= engine.dbt_environment()
    environment.setdefault("JAFFLE_EVENT_LOGS", str(settings.event_logs_dir()))  # models/logs read them
    environment.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return environment


def run_dbt(*arguments: str) -> subprocess.CompletedProcess:
    """``dbt <arguments>`` against this project; output streams to the terminal as it runs."""
    command = [
        dbt_executable(),
        *dbt_arguments(*arguments),
    ]
    if current_engine().capabilities.dbt_in_process:
        return _run_in_process(command)
    return subprocess.run(command, env=dbt_environment(), check=False)


def dbt_arguments(*arguments: str) -> list[str]:
    """The arguments with this project's folders and the configured target."""
    return [
        *arguments,
        "--project-dir",
        str(settings.DBT_PROJECT_DIR),
        "--profiles-dir",
        str(settings.DBT_PROJECT_DIR),
        "--target",
        current_engine().dbt_target,
    ]


def _run_in_process(command: list[str]) -> subprocess.CompletedProcess:
    """dbt through its Python API in this process, with its environment set for the call only."""
    from dbt.cli.main import dbtRunner

    current_engine().before_dbt()  # the engine's session first, with the project's settings
    saved = dict(os.environ)
    os.environ.update(dbt_environment())
    try:
        result = dbtRunner().invoke(command[1:])
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return subprocess.CompletedProcess(command, 0 if result.success else 1)
