"""Named cursor converters: how an incremental cursor value is written into a request parameter.

YAML cannot hold a function, so a declaration names one (``convert: date``) and this registry supplies it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dlt.common.time import ensure_pendulum_datetime


def as_date(value: Any) -> str:
    """The cursor's day (``YYYY-MM-DD``), for APIs that filter whole days: the boundary day is read again."""
    return str(value)[:10]


def as_iso(value: Any) -> str:
    """The cursor as an ISO 8601 string (dates and datetimes formatted, strings passed through)."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def as_unix_seconds(value: Any) -> int:
    """The cursor as whole seconds since the Unix epoch (naive values are taken as UTC)."""
    return int(ensure_pendulum_datetime(value).timestamp())


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "date": as_date,
    "iso": as_iso,
    "unix_seconds": as_unix_seconds,
}


def cursor_converter(name: str) -> Callable[[Any], Any]:
    """The converter called ``name``; a ``KeyError`` listing the known names otherwise."""
    try:
        return CONVERTERS[name]
    except (KeyError, TypeError):
        raise KeyError(f"unknown converter {name!r}; expected one of {', '.join(CONVERTERS)}") from None
