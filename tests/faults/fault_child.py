"""An extract-load run that meets one fault on purpose, at a point chosen by counting events, never by time.

    python fault_child.py FAULT K FIRED_FILE -- <jaffle arguments>
    python fault_child.py FAULT K FIRED_FILE -- leased HOLDER

installs the fault, then runs ``jaffle <arguments>`` in this process, or (``leased``) every step of the
pipeline on the demo API the way the Airflow DAG's tasks do: each under the warehouse lock, renewing the run
lease of HOLDER, which publish gives back (or the input comparison, when nothing changed). The fault fires at
the K-th occurrence of its event, and FIRED_FILE is written just before it fires, so the test knows it was
injected. dbt, a subprocess of ``jaffle``, runs as
``fault_child.py dbt FAULT K FIRED_FILE PARENT_PID -- <dbt arguments>``, counting its own events.

Faults (the event counted, and what happens):

- ``kill_extract_write``: dlt writes a batch of extracted items to a file        -> SIGKILL before it
- ``kill_after_extract``: a source's extract step returns                       -> SIGKILL
- ``kill_normalize_write``: dlt writes a batch of normalized items to a file    -> SIGKILL before it
- ``kill_after_normalize``: a source's normalize step (and its reconciliation) returns -> SIGKILL
- ``kill_load_job``: a load job is committed to the warehouse and marked done    -> SIGKILL after it
- ``kill_before_load_record``: all jobs of a package loaded, ``_dlt_loads`` row not yet written -> SIGKILL
- ``kill_after_load_record``: ``_dlt_loads`` row written, package not yet archived -> SIGKILL
- ``disk_full_extract`` / ``disk_full_normalize``: a file buffer is flushed     -> OSError(ENOSPC)
- ``api_failure``: the API stand-in serves a page                               -> HTTP 500 from then on
- ``postgres_restart``: a load job is marked done                               -> the server restarts (fast)
- the steps after extract-load (dbt's models, the gates, publish): see step_hooks.py
- ``count``: nothing fires; the number of every event is printed as JSON at the end (to choose K)
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import step_hooks

EVENTS: Counter[str] = Counter()
PHASE = {"name": ""}
COUNTING = threading.Lock()  # dbt counts from its worker threads


def _arm(fault: str, k: int, fired_file: Path):
    """A function ``event(name) -> bool`` that counts events and says when this fault's event is due."""

    def due(event: str) -> bool:
        with COUNTING:
            EVENTS[event] += 1
            if event == fault.split(":")[0] and EVENTS[event] == k:
                from step_hooks import NODE, STEP

                phase = PHASE["name"] or STEP["name"] or getattr(NODE, "kind", "")
                fired_file.write_text(json.dumps({"fault": fault, "k": k, "phase": phase}))
                return True
            return False

    return due


def _die() -> None:
    """Die the way a crash does: no cleanup, no flush, no exception handler."""
    os.kill(os.getpid(), signal.SIGKILL)


def _restart_postgres() -> None:
    """Restart the local PostgreSQL server, dropping every connection (the loader's included)."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"],
        check=True,
        capture_output=True,
    )


def install(fault: str, k: int, fired_file: Path) -> None:
    """Wrap dlt's, the stand-in's and the later steps' calls so that the fault's event is counted and fires."""
    from dlt.common.data_writers.buffered import BufferedDataWriter
    from dlt.common.storages.load_package import PackageStorage
    from dlt.destinations.job_client_impl import SqlJobClientBase
    from dlt.pipeline.pipeline import Pipeline

    from demo.api_stand_in.server import RequestHandler

    due = _arm(fault, k, fired_file)

    def phased(name: str, after_event: str):
        original = getattr(Pipeline, name)

        def wrapper(self, *args, **kwargs):
            PHASE["name"] = name
            try:
                result = original(self, *args, **kwargs)
            finally:
                PHASE["name"] = ""
            if due(after_event):
                _die()
            return result

        setattr(Pipeline, name, wrapper)

    phased("extract", "kill_after_extract")
    phased("normalize", "kill_after_normalize")
    phased("load", "load_step")

    write_data_item = BufferedDataWriter.write_data_item

    def counted_write(self, item, columns):
        if PHASE["name"] in ("extract", "normalize") and due(f"kill_{PHASE['name']}_write"):
            _die()
        return write_data_item(self, item, columns)

    BufferedDataWriter.write_data_item = counted_write

    flush_items = BufferedDataWriter._flush_items

    def counted_flush(self, allow_empty_file: bool = False):
        if PHASE["name"] in ("extract", "normalize") and due(f"disk_full_{PHASE['name']}"):
            raise OSError(errno.ENOSPC, "No space left on device (injected)", self._file_name)
        return flush_items(self, allow_empty_file)

    BufferedDataWriter._flush_items = counted_flush

    complete_job = PackageStorage.complete_job

    def counted_complete_job(self, load_id, file_name):
        result = complete_job(self, load_id, file_name)
        if due("kill_load_job"):
            _die()
        if due("postgres_restart"):
            _restart_postgres()
        return result

    PackageStorage.complete_job = counted_complete_job

    complete_load = SqlJobClientBase.complete_load

    def counted_complete_load(self, load_id):
        if due("kill_before_load_record"):
            _die()
        complete_load(self, load_id)
        if due("kill_after_load_record"):
            _die()

    SqlJobClientBase.complete_load = counted_complete_load

    collection = RequestHandler._collection
    failing = {"on": False}

    def counted_collection(self, *args, **kwargs):
        if failing["on"] or due("api_failure"):
            failing["on"] = True
            return 500, {"detail": "injected failure"}, {}
        return collection(self, *args, **kwargs)

    RequestHandler._collection = counted_collection
    dbt_child = [sys.executable, str(Path(__file__).resolve()), "dbt", fault, str(k), str(fired_file)]
    step_hooks.install_steps(due, _restart_postgres, dbt_child)


def run_leased(holder: str) -> int:
    """Every step of the pipeline on the demo API, each as a DAG task runs it: locked, renewing the lease."""
    import settings
    from warehouse import pipeline
    from warehouse.run_lease import release_lease
    from warehouse.run_lock import warehouse_lock
    from warehouse.runs import RunRecord, StepFailed

    if settings.warehouse_name() == "postgres":
        from engines.postgres_admin import prepare_postgres

        prepare_postgres()
    record, options = RunRecord(), pipeline.RunOptions(api="local")
    for step in pipeline.PIPELINE:
        with warehouse_lock(f"airflow {step.name}", lease_holder=holder):
            try:
                result = pipeline.run_step(step.name, record, options)
            except StepFailed as error:
                print(f"FAILED: {error}", file=sys.stderr)
                return 1
            ends_run = step.may_end_run and result is False  # nothing changed: the DAG skips the rest
            if step is pipeline.PIPELINE[-1] or ends_run:
                record.finish()
                release_lease(holder)
            if ends_run:
                return 0
    return 0


def main(argv: list[str]) -> int:
    """Install the fault, run jaffle (or dbt, as jaffle's subprocess), report the events counted when asked."""
    separator = argv.index("--")
    arguments = argv[separator + 1 :]
    if argv[0] == "dbt":
        fault, k, fired_file, parent = argv[1], int(argv[2]), Path(argv[3]), int(argv[4])
        step_hooks.install_dbt(_arm(fault, k, fired_file), _restart_postgres, parent)
        code = step_hooks.run_dbt_here(arguments)
        if fault == "count":
            print("DBT_EVENTS " + json.dumps(dict(EVENTS)))
        return code
    fault, k, fired_file = argv[0], int(argv[1]), Path(argv[2])
    install(fault, k, fired_file)
    if arguments[0] == "leased":
        code = run_leased(arguments[1])
    else:
        from warehouse.cli import main as jaffle

        code = jaffle(arguments)
    if fault == "count":
        print("EVENTS " + json.dumps(dict(EVENTS)))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
