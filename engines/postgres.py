"""PostgreSQL: one database, least-privilege roles per step, an advisory lock, publish by swap or row replace."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import settings

from .advisory_lock import advisory_lock, advisory_lock_holder
from .base import Capabilities, EngineUnavailable, NothingPublished
from .postgres_admin import admin_connection, prepare_postgres
from .postgres_publish import publish_postgres
from .sql import SqlEngine
from .validation_connection import PostgresValidationConnection


class PostgresEngine(SqlEngine):
    """A PostgreSQL database on a server; each step connects as its role (loader, transformer, reader)."""

    name = "postgres"
    dialect = "postgres"
    placeholder = "%s"
    # dlt copies each normalized file with one binary COPY that holds the file's rows in memory: bounded files.
    capabilities = Capabilities(supports_roles=True, bounded_load_files=True)

    def row_hash(self, columns: list[str]) -> str:
        """60 bits of the MD5 of the row's text form (Postgres has no general hash of several values); ``sum``
        of bigint is numeric."""
        return f"('x' || left(md5(row({', '.join(columns)})::text), 15))::bit(60)::bigint"

    @contextmanager
    def connect(self, read_only: bool = False, role: str = "transformer") -> Iterator[Any]:
        """A psycopg2 session assuming the step's role, read-only when asked."""
        import psycopg2

        connection = psycopg2.connect(**settings.postgres_credentials(role).psycopg_kwargs())
        try:
            if read_only:
                connection.set_session(readonly=True)
            yield connection
        finally:
            connection.close()

    def holds_data(self) -> bool:
        """A server database always exists once prepared."""
        return True

    def lock(self, command: str) -> AbstractContextManager[None]:
        """A session advisory lock, held by a dedicated loader connection for the whole run."""
        return advisory_lock(settings.postgres_credentials("loader").psycopg_kwargs(), command, self.name)

    def lock_holder(self) -> dict[str, Any] | None:
        """The session holding the advisory lock."""
        with self.connect(role="loader", read_only=True) as connection:
            return advisory_lock_holder(connection)

    def prepare(self) -> None:
        """The database exists and the roles and grants are in place (idempotent)."""
        prepare_postgres()

    def publish_tables(self, connection: Any, tables: list[str], run_id: str, inputs: str) -> str:
        """Build the next version aside, then replace the published rows or swap the schemas."""
        return publish_postgres(connection, tables, run_id, inputs, self.quote)

    def reset(self, schemas: list[str], datasets: list[str]) -> None:
        """Drop the pipeline's schemas (raw datasets included) as the login user."""
        from psycopg2 import sql

        connection = admin_connection(settings.postgres_credentials().database)
        try:
            with connection.cursor() as cursor:
                for schema in schemas:
                    cursor.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
        finally:
            connection.close()

    def validation_connection(self, read_only: bool = True) -> PostgresValidationConnection:
        """psycopg2 connections as the transformer role."""
        return PostgresValidationConnection(read_only=read_only)

    def dlt_destination(self) -> Any:
        """The configured database, connected as the loader role."""
        import dlt

        credentials = settings.postgres_credentials(role="loader")
        return dlt.destinations.postgres(
            credentials={
                "host": credentials.host,
                "port": credentials.port,
                "username": credentials.username,
                "password": credentials.password,
                "database": credentials.database,
                "query": {
                    "sslmode": credentials.sslmode,
                    "connect_timeout": str(credentials.connect_timeout),
                    **credentials.libpq_options(),
                },
            }
        )

    def destination_identity(self) -> str:
        """Server and database: roles and passwords change who connects, not where the data is."""
        credentials = settings.postgres_credentials()
        return f"postgres://{credentials.host}:{credentials.port}/{credentials.database}"

    def dbt_environment(self) -> dict[str, str]:
        """Credentials resolved once (environment or .dlt/secrets.toml), handed to dbt's profile by name."""
        credentials = settings.postgres_credentials(role="transformer")
        prefix = "DESTINATION__POSTGRES__CREDENTIALS__"
        environment = {
            prefix + part.upper(): str(getattr(credentials, part))
            for part in ("host", "port", "username", "password", "database", "sslmode", "connect_timeout")
        }
        environment["JAFFLE_PROFILE_PG_ROLE"] = credentials.role or credentials.username
        return environment

    def describe(self) -> list[str]:
        """Server and database."""
        credentials = settings.postgres_credentials()
        return [f"Warehouse: postgres {credentials.host}:{credentials.port}/{credentials.database}"]

    def server_url(self, database: str) -> str | None:
        """Another database on the configured server, as the login user."""
        from sqlalchemy.engine import make_url

        credentials = settings.postgres_credentials()
        return (
            make_url("postgresql+psycopg2://")
            .set(
                username=credentials.username,
                password=credentials.password or None,
                host=credentials.host,
                port=credentials.port,
                database=database,
            )
            .render_as_string(hide_password=False)
        )

    @contextmanager
    def published_reader(self) -> Iterator[Any]:
        """The reader role, which may read ``published`` and ``pipeline_runs`` only."""
        import psycopg2

        try:
            with self.connect(read_only=True, role="reader") as connection:
                yield connection
        except psycopg2.errors.UndefinedTable:
            raise NothingPublished("no runs yet: run `make demo`") from None
        except psycopg2.OperationalError as error:
            raise EngineUnavailable(f"warehouse not reachable now: {type(error).__name__}") from None
