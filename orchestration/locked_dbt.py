"""``jaffle-dbt-locked``: the dbt executable of the DAG's Cosmos tasks, dbt run inside the warehouse lock.

Cosmos runs dbt itself, as a subprocess of each dbt task. This wrapper is that subprocess: it takes the
warehouse lock in the name of the DAG run (whose lease it renews, see ``warehouse.run_lease``), runs the
project environment's dbt with the same arguments, and releases the lock when dbt ends. A manual run holding
the warehouse makes the task fail as busy, with the holder named, before dbt starts.

The DAG run comes from ``AIRFLOW_CTX_DAG_RUN_ID``, which Airflow puts in the environment of the task's
subprocesses; outside a DAG run the wrapper takes the lock like any manual command.
"""

from __future__ import annotations

import os
import subprocess
import sys

from warehouse.cli import EXIT_BUSY
from warehouse.dbt import dbt_executable
from warehouse.run_lock import WarehouseBusy, warehouse_lock

from .records import record_id


def lease_holder() -> str | None:
    """The DAG run this dbt command belongs to (its run record's id), or None outside a DAG run."""
    dag_run_id = os.environ.get("AIRFLOW_CTX_DAG_RUN_ID")
    return record_id({"run_id": dag_run_id}) if dag_run_id else None


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = " ".join(["dbt", *arguments[:1]])
    try:
        with warehouse_lock(f"airflow {command}", lease_holder=lease_holder()):
            return subprocess.call([dbt_executable(), *arguments])
    except WarehouseBusy as error:
        print(f"BUSY: {error}", file=sys.stderr)
        return EXIT_BUSY


if __name__ == "__main__":
    sys.exit(main())
