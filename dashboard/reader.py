"""Short read-only queries as an analyst, through the engine's published reader (``Engine.published_reader``).

DuckDB: only ``data/published.duckdb`` (replaced atomically by each publish) is opened, read-only and for
one request, so the dashboard never blocks a pipeline run nor waits for one. Postgres: the reader role, which
may read ``published`` and ``pipeline_runs`` only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from engines import EngineUnavailable, NothingPublished, current_engine
from warehouse.connection import placeholder

log = logging.getLogger(__name__)


class NoRunsYet(RuntimeError):
    """Nothing was published yet."""


class WarehouseBusy(RuntimeError):
    """The warehouse did not answer now; the page retries by itself."""


@contextmanager
def reader() -> Iterator[Any]:
    """A read-only connection for one request; missing data and busy servers become the two errors above."""
    try:
        with current_engine().published_reader() as connection:
            yield connection
    except NothingPublished as error:
        raise NoRunsYet(str(error)) from None
    except EngineUnavailable as error:
        log.warning("%s", error)
        raise WarehouseBusy("the warehouse is busy or unreachable; this page retries by itself") from None


def plain(value: Any) -> Any:
    """Decimals as floats and dates as ISO text, so rows go straight into figures and JSON."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def rows(sql: str, parameters: tuple | list = ()) -> list[dict[str, Any]]:
    """Run one query (``?`` marks bound parameters on either engine) and return its rows as dicts."""
    sql = sql.replace("?", placeholder())
    with reader() as connection:
        cursor = connection.cursor()
        try:
            cursor.execute(sql, list(parameters))
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, map(plain, row), strict=True)) for row in cursor.fetchall()]
        except Exception as error:
            if "does not exist" in str(error) or "Catalog Error" in str(error):
                raise NoRunsYet("no runs yet: run `make demo`") from None
            raise
        finally:
            cursor.close()
