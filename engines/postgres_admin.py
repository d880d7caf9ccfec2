"""Administrative chores on the Postgres server: the database, and the least-privilege roles.

Three roles (names configurable, see settings): the *loader* writes the raw schemas only, the *transformer*
reads raw and owns staging, intermediate, marts and published, the *reader* sees the published schema and
the run history (``pipeline_runs``) only. They are NOLOGIN roles: the configured login user is made a
member, and every step assumes its role when it connects. Everything here is idempotent: run it as often
as you like (`make pg-setup`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import settings

log = logging.getLogger(__name__)

TRANSFORMER_SCHEMAS = (
    "staging",
    "intermediate",
    settings.MARTS_SCHEMA,
    "snapshots",
    settings.PUBLISHED_SCHEMA,
)


def admin_connection(database: str) -> Any:
    """An autocommit connection as the login user itself (no role), with a clear error if unreachable."""
    import psycopg2

    credentials = settings.postgres_credentials()
    try:
        connection = psycopg2.connect(**(credentials.psycopg_kwargs() | {"dbname": database}))
    except psycopg2.OperationalError as error:
        raise RuntimeError(
            f"cannot reach PostgreSQL at {credentials.host}:{credentials.port} as {credentials.username!r}: "
            "start the server or set DESTINATION__POSTGRES__CREDENTIALS__* "
            f"({str(error).strip().splitlines()[0]})"
        ) from None
    connection.autocommit = True
    return connection


def ensure_database() -> None:
    """Create the configured database when missing (connecting to the server's ``postgres`` database)."""
    from psycopg2 import errors, sql

    database = settings.postgres_credentials().database
    connection = admin_connection("postgres")
    try:
        with connection.cursor() as cursor:
            cursor.execute("select 1 from pg_database where datname = %s", (database,))
            if cursor.fetchone() is None:
                try:
                    cursor.execute(sql.SQL("create database {}").format(sql.Identifier(database)))
                    log.info("created database %s", database)
                except errors.DuplicateDatabase:  # another first run created it meanwhile
                    pass
    finally:
        connection.close()


def _give_schema_to(cursor: Any, schema: str, owner: str) -> None:
    """Create the schema for its owner, or hand an existing one (and every relation in it) over to it."""
    from psycopg2 import sql

    cursor.execute(
        sql.SQL("create schema if not exists {} authorization {}").format(
            sql.Identifier(schema), sql.Identifier(owner)
        )
    )
    cursor.execute(
        sql.SQL("alter schema {} owner to {}").format(sql.Identifier(schema), sql.Identifier(owner))
    )
    cursor.execute(
        "select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = %s and c.relkind in ('r', 'v', 'm', 'p') and pg_get_userbyid(c.relowner) <> %s",
        (schema, owner),
    )
    kinds = {"r": "table", "p": "table", "v": "view", "m": "materialized view"}
    for name, kind in cursor.fetchall():
        cursor.execute(
            sql.SQL("alter {} {} owner to {}").format(
                sql.SQL(kinds[kind]), sql.Identifier(schema, name), sql.Identifier(owner)
            )
        )


# Roles belong to the whole server: two first runs preparing different databases at the same instant would
# race on CREATE ROLE and GRANT ("tuple concurrently updated"). They take this advisory lock in turn.
SETUP_LOCK_KEY = 0x6A61_6666_6C65  # "jaffle"


@contextmanager
def _server_setup_lock() -> Iterator[None]:
    """Hold a server-wide advisory lock (taken in the ``postgres`` database) while roles are set up."""
    connection = admin_connection("postgres")
    try:
        with connection.cursor() as cursor:
            cursor.execute("select pg_advisory_lock(%s)", (SETUP_LOCK_KEY,))
        yield
    finally:
        connection.close()  # ends the session, which releases the lock


def setup_roles() -> dict[str, str]:
    """Create the three roles and their grants in the configured database; returns kind -> role name."""
    if not settings.postgres_roles_enabled():
        log.info("POSTGRES__ROLES=off: every step runs as the login user")
        return {}
    ensure_database()
    with _server_setup_lock():
        return _setup_roles()


def _setup_roles() -> dict[str, str]:
    """The roles and grants, under the setup lock."""
    from psycopg2 import sql

    roles = {kind: settings.postgres_role(kind) for kind in settings.ROLE_KINDS}
    loader, transformer, reader = (sql.Identifier(roles[k]) for k in settings.ROLE_KINDS)
    credentials = settings.postgres_credentials()
    database = sql.Identifier(credentials.database)
    connection = admin_connection(credentials.database)
    try:
        with connection.cursor() as cursor:
            for name in roles.values():
                cursor.execute("select 1 from pg_roles where rolname = %s", (name,))
                if cursor.fetchone() is None:
                    cursor.execute(sql.SQL("create role {} nologin").format(sql.Identifier(name)))
                    log.info("created role %s", name)
            cursor.execute(sql.SQL("grant {}, {}, {} to current_user").format(loader, transformer, reader))
            cursor.execute(
                sql.SQL("grant connect, create on database {} to {}, {}").format(
                    database, loader, transformer
                )
            )
            cursor.execute(sql.SQL("grant connect on database {} to {}").format(database, reader))
            cursor.execute("revoke create on schema public from public")
            for schema in (*settings.raw_datasets(), settings.REPORTS_DATASET):
                _give_schema_to(cursor, schema, roles["loader"])
                cursor.execute(
                    sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(schema), transformer)
                )
                cursor.execute(
                    sql.SQL("grant select on all tables in schema {} to {}").format(
                        sql.Identifier(schema), transformer
                    )
                )
            # Schemas and tables the loader creates later (dlt's staging datasets, new tables) are readable too.
            cursor.execute(
                sql.SQL("alter default privileges for role {} grant usage on schemas to {}").format(
                    loader, transformer
                )
            )
            cursor.execute(
                sql.SQL("alter default privileges for role {} grant select on tables to {}").format(
                    loader, transformer
                )
            )
            for schema in TRANSFORMER_SCHEMAS:
                _give_schema_to(cursor, schema, roles["transformer"])
            cursor.execute(
                sql.SQL("grant usage on schema {} to {}").format(
                    sql.Identifier(settings.PUBLISHED_SCHEMA), reader
                )
            )
            cursor.execute(
                sql.SQL("grant select on all tables in schema {} to {}").format(
                    sql.Identifier(settings.PUBLISHED_SCHEMA), reader
                )
            )
            _grant_history_to_reader(cursor, loader, reader)
    finally:
        connection.close()
    log.info("roles ready in %s: %s", credentials.database, ", ".join(roles.values()))
    return roles


def _grant_history_to_reader(cursor: Any, loader: Any, reader: Any) -> None:
    """The reader may read the run and check history (``pipeline_runs``), now and the tables made later."""
    from psycopg2 import sql

    history = sql.Identifier(settings.REPORTS_DATASET)
    cursor.execute(sql.SQL("grant usage on schema {} to {}").format(history, reader))
    cursor.execute(sql.SQL("grant select on all tables in schema {} to {}").format(history, reader))
    cursor.execute(
        sql.SQL("alter default privileges for role {} in schema {} grant select on tables to {}").format(
            loader, history, reader
        )
    )


def prepare_postgres() -> None:
    """Before a Postgres run: the database exists and the roles and grants are in place."""
    ensure_database()
    setup_roles()
