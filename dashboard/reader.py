"""Short read-only queries as an analyst, through the pandas reader of the published data (``published``).

DuckDB: only ``data/published.duckdb`` (replaced atomically by each publish) is opened, read-only and for
one request, so the dashboard never blocks a pipeline run nor waits for one. Postgres: the reader role, which
may read ``published`` and ``pipeline_runs`` only.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np

from engines import EngineUnavailable, NothingPublished
from published import read_sql

log = logging.getLogger(__name__)


class NoRunsYet(RuntimeError):
    """Nothing was published yet."""


class WarehouseBusy(RuntimeError):
    """The warehouse did not answer now; the page retries by itself."""


def plain(value: Any) -> Any:
    """Decimals as floats, dates as ISO text and numpy scalars as Python's, so rows go straight into figures
    and JSON."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def rows(sql: str, parameters: tuple | list = ()) -> list[dict[str, Any]]:
    """Run one query (``?`` marks bound parameters on either engine) and return its rows as dicts."""
    try:
        frame = read_sql(sql, parameters)
    except NothingPublished as error:
        raise NoRunsYet(f"no runs yet: run `make demo` ({error})") from None
    except EngineUnavailable as error:
        log.warning("%s", error)
        raise WarehouseBusy("the warehouse is busy or unreachable; this page retries by itself") from None
    frame = frame.astype(object).where(frame.notna(), None)  # a missing value is None, never NaN
    return [{name: plain(value) for name, value in record.items()} for record in frame.to_dict("records")]
