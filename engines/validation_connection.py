"""The gate's connection to a SQL warehouse (DuckDB, Postgres), shared by its own queries and GX.

DuckDB through duckdb-engine needs care: duckdb-engine runs every statement on the connection object itself
(its cursor is the connection), and SQLAlchemy 2.0 rolls the connection back when it is released. GX
executes a metric query inside ``with engine.connect()`` and calls ``fetchall()`` only after that block,
so the ROLLBACK lands between the query and the fetch and throws the pending result away: every metric
comes back empty (GX issues 10738 / 11579). Here one persistent DuckDB connection is opened once
(read-only when possible) and every SQLAlchemy connection is a duplicate of it whose cursors are
duplicates again: results live on their own cursor, so a rollback of the connection cannot discard them.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.pool import StaticPool

import settings

logger = logging.getLogger(__name__)


@cache
def _duckdb_wrappers() -> tuple[type, type]:
    """duckdb-engine's DB-API wrappers, changed so that every cursor owns a duplicate connection."""
    from duckdb_engine import ConnectionWrapper, CursorWrapper

    class OwnCursor(CursorWrapper):
        """A cursor on its own duplicate connection: its result survives a rollback of the parent."""

        def __init__(self, duplicate: Any, owner: Any) -> None:
            super().__init__(duplicate, owner)
            self._duplicate = duplicate

        def close(self) -> None:
            """Close the duplicate connection behind this cursor."""
            self._duplicate.close()

    class CursorPerQueryConnection(ConnectionWrapper):
        """duckdb-engine's connection wrapper handing out cursors with their own duplicate connection."""

        def __init__(self, raw: Any) -> None:
            super().__init__(raw)
            self._raw = raw

        def cursor(self) -> OwnCursor:
            """A new cursor on a duplicate of this connection."""
            return OwnCursor(self._raw.cursor(), self)

    return CursorPerQueryConnection, OwnCursor


class ValidationConnection:
    """One validation connection point: a DB-API factory, our SQLAlchemy engine and GX's datasource args."""

    def __init__(self, url: URL, read_only: bool = True) -> None:
        self.url = url
        self.read_only = read_only
        self._engine: sa.Engine | None = None

    def describe(self) -> str:
        """Where the gate connects, without any password."""
        return f"{self.url.drivername} {self.url.host}:{self.url.port}/{self.url.database}"

    def dbapi_connect(self) -> Any:
        """A new DB-API connection of the dialect's driver, read-only when asked."""
        cargs, cparams = self.engine.dialect.create_connect_args(self.url)
        connection = self.engine.dialect.connect(*cargs, **cparams)
        connection.set_session(readonly=self.read_only)
        return connection

    def engine_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``create_engine`` that route every connection through ``dbapi_connect``."""
        return {"creator": self.dbapi_connect}

    def _create_engine(self) -> sa.Engine:
        """Our SQLAlchemy engine: a small pool."""
        return sa.create_engine(self.url, pool_size=1, max_overflow=2)

    @property
    def engine(self) -> sa.Engine:
        """The gate's own SQLAlchemy engine (created on first use)."""
        if self._engine is None:
            self._engine = self._create_engine()
        return self._engine

    def add_datasource(self, context: Any, name: str) -> Any:
        """A GX SQL datasource on this connection: a password-free URL and our connection factory."""
        return context.data_sources.add_sql(name, **self.gx_datasource_args())

    def gx_datasource_args(self) -> dict[str, Any]:
        """Arguments for ``context.data_sources.add_sql``: a password-free URL and our connection factory."""
        connection_string = self.url.set(password=None).render_as_string(hide_password=True)
        return {"connection_string": connection_string, "kwargs": self.engine_kwargs()}

    def close(self, *engines: sa.Engine) -> None:
        """Dispose the given engines and ours."""
        for engine in (*engines, self._engine):
            if engine is not None:
                engine.dispose()
        self._engine = None


class PostgresValidationConnection(ValidationConnection):
    """Postgres through psycopg2, as the transformer role; GX's own Postgres datasource."""

    def __init__(self, read_only: bool = True) -> None:
        credentials = settings.postgres_credentials(role="transformer")
        url = URL.create(
            "postgresql+psycopg2",
            username=credentials.username,
            password=credentials.password or None,
            host=credentials.host,
            port=credentials.port,
            database=credentials.database,
            query={
                "sslmode": credentials.sslmode,
                "connect_timeout": str(credentials.connect_timeout),
                **credentials.libpq_options(),
            },
        )
        super().__init__(url, read_only)

    def describe(self) -> str:
        """Host, port and database, without any password."""
        return f"postgres {self.url.host}:{self.url.port}/{self.url.database}"

    def add_datasource(self, context: Any, name: str) -> Any:
        """GX's Postgres datasource on this connection."""
        return context.data_sources.add_postgres(name, **self.gx_datasource_args())


class DuckDbValidationConnection(ValidationConnection):
    """DuckDB through one persistent connection whose duplicates serve every SQLAlchemy connection."""

    def __init__(self, read_only: bool = True) -> None:
        super().__init__(URL.create("duckdb", database=str(settings.duckdb_path())), read_only)
        self._root: Any = None

    def describe(self) -> str:
        """The file and its mode."""
        mode = "read-only" if self.read_only else "read-write"
        return f"duckdb {self.url.database} ({mode})"

    def _open_root(self) -> Any:
        """The one persistent DuckDB connection, read-only unless this process already writes the file."""
        import duckdb

        path = self.url.database
        if not self.read_only:
            return duckdb.connect(path)
        if not settings.duckdb_path().exists():
            raise FileNotFoundError(f"no DuckDB warehouse at {path}")
        try:
            return duckdb.connect(path, read_only=True)
        except duckdb.ConnectionException as error:
            if "different configuration" not in str(error):
                raise
            logger.info("the DuckDB file is open read-write in this process; validating through it")
            self.read_only = False
            return duckdb.connect(path)

    def dbapi_connect(self) -> Any:
        """A duplicate of the persistent DuckDB connection."""
        if self._root is None:
            self._root = self._open_root()
        wrapper, _ = _duckdb_wrappers()
        return wrapper(self._root.cursor())

    def engine_kwargs(self) -> dict[str, Any]:
        """Every connection through ``dbapi_connect``, one static pool."""
        return {"creator": self.dbapi_connect, "poolclass": StaticPool}

    def _create_engine(self) -> sa.Engine:
        """Our SQLAlchemy engine on the persistent connection."""
        return sa.create_engine(self.url, **self.engine_kwargs())

    def close(self, *engines: sa.Engine) -> None:
        """Dispose the engines, then close the persistent DuckDB connection."""
        super().close(*engines)
        if self._root is not None:
            self._root.close()
            self._root = None
