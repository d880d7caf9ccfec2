"""One run at a time per warehouse: a second run exits at once, saying which run holds the warehouse.

DuckDB admits one writing process per file, and two overlapping runs would also claim the same load ids in
dbt's incremental models. The lock is taken before a run's first step and held until its last:

- DuckDB: an exclusive ``flock`` on ``<warehouse file>.lock``; the kernel releases it when the process ends,
  however it ends (SIGKILL included), so a crashed run never leaves a stale lock behind;
- Postgres: a session-level advisory lock in the warehouse database, held by one connection for the whole
  run; the server releases it when that connection closes or its process dies.

Who holds the lock (process id, command, start time) is written into the lock file, or carried in the
session's application name on Postgres, for the message and for ``jaffle status``. A run made of many
processes (an Airflow DAG run) also keeps the warehouse between its steps with a lease (``run_lease``).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import settings
from .run_lease import current_lease, renew_lease

# One fixed 64-bit key for this project's advisory lock (the database scopes it to one warehouse).
ADVISORY_LOCK_KEY = 0x4A414646_4C455255  # "JAFFLERU"
APPLICATION_NAME_PREFIX = "jaffle run"


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse."""


def lock_file_path() -> Path:
    """The DuckDB warehouse's lock file, beside the warehouse file."""
    path = settings.duckdb_path()
    return path.with_name(path.name + ".lock")


def _holder(command: str) -> dict[str, Any]:
    """Who is running: process, host, command and since when."""
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": command,
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def describe_holder(holder: dict[str, Any] | None) -> str:
    """Who holds the warehouse, in words."""
    if not holder:
        return "another run"
    if "command" in holder:
        return (
            f"`jaffle {holder['command']}` (pid {holder.get('pid')} on {holder.get('host')},"
            f" since {holder.get('since')})"
        )
    return f"{holder.get('application') or 'a session'} (server pid {holder.get('backend_pid')}, since {holder.get('since')})"


def _busy_message(holder: dict[str, Any] | None) -> str:
    """What the second run is told."""
    return (
        f"the {settings.warehouse_name()} warehouse is busy: {describe_holder(holder)} holds it. Only one run at"
        " a time may write to a warehouse; wait for it to finish (`jaffle status` shows it), then run again."
    )


@contextmanager
def _duckdb_lock(command: str) -> Iterator[None]:
    """An exclusive, non-blocking flock on the warehouse's lock file."""
    path = lock_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseBusy(_busy_message(duckdb_lock_holder())) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, json.dumps(_holder(command)).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(descriptor, 0)
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def duckdb_lock_holder() -> dict[str, Any] | None:
    """The run holding the DuckDB lock, or None when the warehouse is free."""
    path = lock_file_path()
    if not path.exists():
        return None
    descriptor = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = path.read_text()
            try:
                return json.loads(text) if text else {}
            except json.JSONDecodeError:
                return {}
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        return None
    finally:
        os.close(descriptor)


@contextmanager
def _postgres_lock(command: str) -> Iterator[None]:
    """A session advisory lock, held by a dedicated connection for the whole run."""
    import psycopg2

    application_name = f"{APPLICATION_NAME_PREFIX} {command} pid {os.getpid()} on {socket.gethostname()}"[:63]
    connection = psycopg2.connect(
        **settings.postgres_credentials("loader").psycopg_kwargs(), application_name=application_name
    )
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("select pg_try_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
            if not cursor.fetchone()[0]:
                raise WarehouseBusy(_busy_message(postgres_lock_holder(connection)))
        yield
    finally:
        connection.close()  # closing the session releases the advisory lock


def postgres_lock_holder(connection: Any) -> dict[str, Any] | None:
    """The session holding the advisory lock (from its application name), or None when it is free."""
    with connection.cursor() as cursor:
        cursor.execute(
            "select a.pid, a.application_name, a.backend_start from pg_locks l"
            " join pg_stat_activity a on a.pid = l.pid"
            " where l.locktype = 'advisory' and l.granted and l.database = (select oid from pg_database"
            " where datname = current_database())"
            " and (l.classid::bigint << 32) | l.objid::bigint = %s",
            (ADVISORY_LOCK_KEY,),
        )
        row = cursor.fetchone()
    if row is None:
        return None
    backend_pid, application_name, backend_start = row
    return {"backend_pid": backend_pid, "application": application_name, "since": str(backend_start)}


@contextmanager
def warehouse_lock(command: str, lease_holder: str | None = None) -> Iterator[None]:
    """Hold the configured warehouse for one run; raise :class:`WarehouseBusy` at once if another run does.

    Another run also holds the warehouse while its lease is current (``run_lease``: a run of many processes,
    such as an Airflow DAG run, between two of its steps). ``lease_holder`` names the leased run this step
    belongs to: its own lease does not refuse it, and is renewed.
    """
    lock = _postgres_lock if settings.warehouse_name() == "postgres" else _duckdb_lock
    with lock(command):
        lease = current_lease()
        if lease is not None and lease.holder != lease_holder:
            raise WarehouseBusy(
                f"the {settings.warehouse_name()} warehouse is leased to {lease.describe()}: that run is between"
                " two of its steps. Wait for it to publish or fail (`jaffle status` shows the lease); if it is"
                " known to be dead, remove the lease file and run again."
            )
        if lease_holder is not None:
            renew_lease(lease_holder)
        yield
