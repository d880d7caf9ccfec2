"""The Postgres warehouse lock: a session-level advisory lock held by one connection for the whole run.

The server releases it when that connection closes or its process dies. The holder is carried in the
session's application name, for the message and for ``jaffle status``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .base import WarehouseBusy
from .lock_holder import busy_message

# One fixed 64-bit key for this project's advisory lock (the database scopes it to one warehouse).
ADVISORY_LOCK_KEY = 0x4A414646_4C455255  # "JAFFLERU"
APPLICATION_NAME_PREFIX = "jaffle run"


@contextmanager
def advisory_lock(connect_kwargs: dict[str, Any], command: str, engine: str) -> Iterator[None]:
    """Take the advisory lock on a dedicated connection; :class:`WarehouseBusy` when another session has it."""
    import psycopg2

    application_name = f"{APPLICATION_NAME_PREFIX} {command} pid {os.getpid()} on {socket.gethostname()}"[:63]
    connection = psycopg2.connect(**connect_kwargs, application_name=application_name)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("select pg_try_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
            if not cursor.fetchone()[0]:
                raise WarehouseBusy(busy_message(engine, advisory_lock_holder(connection)))
        yield
    finally:
        connection.close()  # closing the session releases the advisory lock


def advisory_lock_holder(connection: Any) -> dict[str, Any] | None:
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
