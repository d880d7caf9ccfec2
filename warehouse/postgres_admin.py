"""Administrative chores on the Postgres server: the warehouse database exists before the first load."""

from __future__ import annotations

import logging

from . import settings

log = logging.getLogger(__name__)


def ensure_database() -> None:
    """Create the configured database when missing (connecting to the server's ``postgres`` database)."""
    import psycopg2
    from psycopg2 import sql

    credentials = settings.postgres_credentials()
    arguments = credentials.psycopg_kwargs() | {"dbname": "postgres"}
    try:
        connection = psycopg2.connect(**arguments)
    except psycopg2.OperationalError as error:
        raise RuntimeError(
            f"cannot reach PostgreSQL at {credentials.host}:{credentials.port} as {credentials.username!r}: "
            "start the server or set DESTINATION__POSTGRES__CREDENTIALS__* "
            f"({str(error).strip().splitlines()[0]})"
        ) from None
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("select 1 from pg_database where datname = %s", (credentials.database,))
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("create database {}").format(sql.Identifier(credentials.database)))
                log.info("created database %s", credentials.database)
    finally:
        connection.close()
