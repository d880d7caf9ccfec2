"""Counted injection points after extract-load: dbt's models, the gates and publish (fault_child.py installs them).

Every point wraps a third-party or standard-library call and recognises what it does by its content, so that it
stays put when the project's own code moves:

- the step running is the name the run record gives it (``RunRecord.step``): ``check_raw``, ``publish``...;
- dbt runs as a subprocess of ``jaffle`` (``warehouse/dbt.py``): ``subprocess.run`` of dbt's executable is
  replaced by ``fault_child.py dbt ...``, which installs :func:`install_dbt` and runs dbt's own CLI in-process;
  there each statement dbt sends (``SQLConnectionManager.add_query``) is counted per materialization of the
  node it belongs to (``ModelRunner.execute``, snapshots included);
- a gate's expectations are counted as GX validates each (``Expectation.metrics_validate``);
- publish's statements are counted on the connection it opens (``duckdb.connect`` / ``psycopg2.connect``),
  recognised by their text; the readers' snapshot file is replaced by ``os.replace``.

Events (the K-th fires):

- ``kill_dbt_table`` / ``kill_dbt_incremental`` / ``kill_dbt_snapshot``: dbt ran a statement of a node of
  that materialization -> SIGKILL of dbt and of the ``jaffle`` run that started it
- ``pg_restart_dbt``: dbt ran a statement of a table, incremental or snapshot node -> Postgres restarts
- ``kill_check_raw`` / ``kill_check_marts``: the gate validated an expectation -> SIGKILL
- ``kill_publish_copy``: publish copied a mart (DuckDB: into the published schema inside its transaction;
  Postgres: into the side schema ``published__next``) -> SIGKILL after it
- ``kill_publish_swap``: a statement or commit of the step that makes the new version visible (DuckDB: the
  commit, then the file replace, before and after each; Postgres: the row replacement or the schema renames)
- ``kill_publish_snapshot``: DuckDB: a statement writing the readers' snapshot file -> SIGKILL after it
- ``disk_full_snapshot``: DuckDB: a table written to the snapshot file -> DuckDB's IOException (ENOSPC)
- ``pg_restart_publish``: Postgres: a statement or commit of publish -> the server restarts
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# The step running (the run record's name for it); dbt's worker threads each run one node.
STEP = {"name": ""}
NODE = threading.local()
DBT_KINDS = ("table", "incremental", "snapshot")

PUBLISHED = re.compile(r'create or replace table "published"\.', re.I)
NEXT_COPY = re.compile(r'create table "published__next"\.', re.I)
SNAPSHOT_WRITE = re.compile(
    r"\bsnapshot\b", re.I
)  # attach/detach ... as snapshot, create ... snapshot.main.x
SNAPSHOT_TABLE = re.compile(r"create table snapshot\.", re.I)
SWAP_POSTGRES = re.compile(
    r'^(delete from "published"\.|insert into "published"\.|lock table|alter schema|drop schema "published__next")',
    re.I,
)


def die(*others: int) -> None:
    """Die the way a crash does (SIGKILL), after the processes of the same run (a kill -9 of the run)."""
    for pid in others:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    os.kill(os.getpid(), signal.SIGKILL)


def install_steps(due: Callable[[str], bool], restart: Callable[[], None], argv_of_dbt: list[str]) -> None:
    """Count the events of the steps after extract-load in the ``jaffle`` process."""
    _phase_from_run_record()
    _dbt_through_the_child(argv_of_dbt)
    _gates(due)
    _publish_duckdb(due)
    _publish_postgres(due, restart)
    _snapshot_file_replace(due)


def _phase_from_run_record() -> None:
    """Know which step runs: the run record opens one context per step."""
    from warehouse.runs import RunRecord

    original = RunRecord.step

    @contextmanager
    def step(self, name: str):
        STEP["name"] = name
        try:
            with original(self, name) as record:
                yield record
        finally:
            STEP["name"] = ""

    RunRecord.step = step


def _dbt_through_the_child(argv_of_dbt: list[str]) -> None:
    """``subprocess.run([.../dbt, ...])`` runs dbt in ``fault_child.py dbt``, which counts dbt's events."""
    run = subprocess.run

    def counted_run(command, *args, **kwargs):
        if isinstance(command, list) and command and Path(str(command[0])).name == "dbt":
            command = [*argv_of_dbt, str(os.getpid()), "--", *command[1:]]
        return run(command, *args, **kwargs)

    subprocess.run = counted_run


def _gates(due: Callable[[str], bool]) -> None:
    """Each expectation GX validates during a gate is an event of that gate."""
    from great_expectations.expectations.expectation import Expectation

    validate = Expectation.metrics_validate

    def counted(self, *args, **kwargs):
        result = validate(self, *args, **kwargs)
        if STEP["name"].startswith("check_") and due(f"kill_{STEP['name']}"):
            die()
        return result

    Expectation.metrics_validate = counted


class _CountedDuckDB:
    """A DuckDB connection whose statements during publish are events."""

    def __init__(self, connection: Any, due: Callable[[str], bool]) -> None:
        self._connection = connection
        self._due = due

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def __enter__(self) -> _CountedDuckDB:
        self._connection.__enter__()
        return self

    def __exit__(self, *exc: object) -> Any:
        return self._connection.__exit__(*exc)

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        import duckdb

        text = sql.strip()
        if SNAPSHOT_TABLE.match(text) and self._due("disk_full_snapshot"):
            raise duckdb.IOException(
                f'Could not write file "{text[:60]}": No space left on device (injected)'
            )
        swap = text.lower() == "commit"
        if swap and self._due("kill_publish_swap"):
            die()  # before the commit
        result = self._connection.execute(sql, *args, **kwargs)
        if PUBLISHED.match(text) and self._due("kill_publish_copy"):
            die()
        if swap and self._due("kill_publish_swap"):
            die()  # after the commit
        if SNAPSHOT_WRITE.search(text) and self._due("kill_publish_snapshot"):
            die()
        return self if result is self._connection else result


def _publish_duckdb(due: Callable[[str], bool]) -> None:
    """Connections opened to DuckDB during publish count its statements."""
    import duckdb

    connect = duckdb.connect

    def counted_connect(*args, **kwargs):
        connection = connect(*args, **kwargs)
        return _CountedDuckDB(connection, due) if STEP["name"] == "publish" else connection

    duckdb.connect = counted_connect


def _publish_postgres(due: Callable[[str], bool], restart: Callable[[], None]) -> None:
    """Connections opened to Postgres during publish count its statements and commits."""
    import psycopg2
    import psycopg2.extensions

    def after(text: str) -> None:
        if NEXT_COPY.match(text) and due("kill_publish_copy"):
            die()
        if (SWAP_POSTGRES.match(text) or text == "commit") and due("kill_publish_swap"):
            die()
        if due("pg_restart_publish"):
            restart()

    class Cursor(psycopg2.extensions.cursor):
        def execute(self, query, vars=None):
            result = super().execute(query, vars)
            after(str(query).strip())
            return result

    class Connection(psycopg2.extensions.connection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.cursor_factory = Cursor

        def commit(self) -> None:
            super().commit()
            after("commit")

    connect = psycopg2.connect

    def counted_connect(*args, **kwargs):
        if STEP["name"] == "publish" and "connection_factory" not in kwargs:
            kwargs["connection_factory"] = Connection
        return connect(*args, **kwargs)

    psycopg2.connect = counted_connect


def _snapshot_file_replace(due: Callable[[str], bool]) -> None:
    """The readers' snapshot file replaced by ``os.replace``: SIGKILL before or after, counted as swap points."""
    replace = os.replace

    def counted_replace(source, target, *args, **kwargs):
        snapshot = STEP["name"] == "publish" and Path(target).suffix == ".duckdb"
        if snapshot and due("kill_publish_swap"):
            die()
        result = replace(source, target, *args, **kwargs)
        if snapshot and due("kill_publish_swap"):
            die()
        return result

    os.replace = counted_replace


def install_dbt(due: Callable[[str], bool], restart: Callable[[], None], parent: int) -> None:
    """In the dbt process: count the statements of every table, incremental and snapshot node."""
    from dbt.adapters.sql.connections import SQLConnectionManager
    from dbt.task.run import ModelRunner

    execute = ModelRunner.execute

    def node_execute(self, model, manifest):
        NODE.kind = getattr(model.config, "materialized", "")
        try:
            return execute(self, model, manifest)
        finally:
            NODE.kind = ""

    ModelRunner.execute = node_execute
    add_query = SQLConnectionManager.add_query

    def counted_add_query(self, sql, *args, **kwargs):
        result = add_query(self, sql, *args, **kwargs)
        kind = getattr(NODE, "kind", "")
        if kind in DBT_KINDS:
            if due(f"kill_dbt_{kind}"):
                die(parent)
            if due("pg_restart_dbt"):
                restart()
        return result

    SQLConnectionManager.add_query = counted_add_query


def run_dbt_here(arguments: list[str]) -> int:
    """dbt in this process through its Python API, with the exit code dbt's CLI would give."""
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(arguments)
    if result.exception is not None and result.result is None:
        print(f"dbt failed: {result.exception}", file=sys.stderr)
        return 2
    return 0 if result.success else 1
