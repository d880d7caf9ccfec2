"""Each engine's environment for the bench: its own DuckDB file or Postgres database, its own working folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

BENCH_DATABASE = "jaffle_bench"
ENGINES = ("duckdb", "postgres")


def on_server(engine: str) -> bool:
    """Whether the engine keeps its data on a database server (the bench then gives it a database of its own)."""
    from engines import engine_named

    return engine_named(engine).server_url(BENCH_DATABASE) is not None


def engine_env(engine: str, work: Path) -> dict[str, str]:
    """The variables the pipeline reads, pointed at the bench's warehouse and working folder."""
    env = dict(os.environ)
    env.update(
        {
            "WAREHOUSE": engine,
            "PROJECT__DATA_DIR": str(work),
            "DESTINATION__DUCKDB__CREDENTIALS": str(work / "warehouse.duckdb"),
            "DESTINATION__POSTGRES__CREDENTIALS__DATABASE": BENCH_DATABASE,
            "POSTGRES__ROLES": "off",
            "DBT_TARGET_PATH": str(work / "dbt_target"),
            "DBT_LOG_PATH": str(work / "dbt_logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
            "RUNTIME__LOG_LEVEL": "WARNING",
            # The demo's operational database as SQLite in the bench folder, never a shared server database.
            "DEMO__OLTP_URL": f"sqlite:///{work / 'oltp.sqlite'}",
        }
    )
    return env


def _admin_connection() -> object:
    """An autocommit connection to the server's ``postgres`` database (to create or drop the bench's)."""
    import psycopg2

    import settings

    kwargs = settings.postgres_credentials().psycopg_kwargs() | {"dbname": "postgres"}
    connection = psycopg2.connect(**kwargs)
    connection.autocommit = True
    return connection


def drop_postgres_database() -> None:
    """Drop the bench's database (never any other)."""
    from psycopg2 import sql

    connection = _admin_connection()
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(BENCH_DATABASE))
        )
    connection.close()


def fresh_engine(engine: str, work: Path) -> None:
    """Start an engine's run from nothing: an empty working folder and, on Postgres, an empty database."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if on_server(engine):
        from psycopg2 import sql

        drop_postgres_database()
        connection = _admin_connection()
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("create database {}").format(sql.Identifier(BENCH_DATABASE)))
        connection.close()


def postgres_available() -> bool:
    """Whether a Postgres server answers with the configured credentials."""
    try:
        _admin_connection().close()  # type: ignore[attr-defined]
    except Exception:
        return False
    return True
