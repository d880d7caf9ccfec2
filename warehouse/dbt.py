"""Run dbt with explicit project, profiles and target: a subprocess of this environment, in-process on Spark.

On Spark, dbt's session method shares the process's SparkSession: its embedded metastore admits one process
at a time, so the step that registered the lake tables and dbt must be the same process.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import settings
from engines import current_engine
from settings import dbt_executable


def dbt_environment() -> dict[str, str]:
    """The environment dbt reads: this process's, with every value ``profiles.yml`` and the models read handed
    from the settings (``profiles.yml`` states no default of its own)."""
    engine = current_engine()
    environment = dict(os.environ)
    environment["WAREHOUSE"] = engine.name
    environment["DESTINATION__DUCKDB__CREDENTIALS"] = str(settings.duckdb_path())
    environment |= engine.dbt_environment()
    environment["JAFFLE_DBT_EVENT_LOGS"] = str(settings.event_logs_dir())  # models/logs read them
    # The staging models of the sources the warehouse loads, and only those, are built (dbt_project.yml).
    environment["JAFFLE_DBT_SOURCES"] = ",".join(settings.extract_load_sources())
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
    with handed_to_dbt():
        result = dbtRunner().invoke(command[1:])
    return subprocess.CompletedProcess(command, 0 if result.success else 1)


@contextmanager
def handed_to_dbt() -> Iterator[None]:
    """This process's environment as dbt reads it, for an in-process dbt call only, then restored."""
    saved = dict(os.environ)
    os.environ.update(dbt_environment())
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
