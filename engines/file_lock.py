"""A warehouse lock as an exclusive ``flock`` on a file beside the warehouse (DuckDB, Spark's metastore).

The kernel releases the lock when the process ends, however it ends (SIGKILL included), so a crashed run never
leaves a stale lock behind. The holder (process, command, start time) is written into the file.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import settings

from .base import WarehouseBusy
from .lock_holder import busy_message, holder


def lock_file_path() -> Path:
    """The lock file beside the DuckDB warehouse file, in the data folder (the Spark target uses it too)."""
    path = settings.duckdb_path()
    return path.with_name(path.name + ".lock")


@contextmanager
def file_lock(path: Path, command: str, engine: str) -> Iterator[None]:
    """An exclusive, non-blocking flock on ``path``; :class:`WarehouseBusy` when another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseBusy(busy_message(engine, file_lock_holder(path))) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, json.dumps(holder(command)).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(descriptor, 0)
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def file_lock_holder(path: Path) -> dict[str, Any] | None:
    """The run holding the lock on ``path``, or None when it is free."""
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
