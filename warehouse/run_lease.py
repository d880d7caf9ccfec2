"""A lease keeps the warehouse for one run made of many processes (an Airflow DAG run) between its steps.

The warehouse lock (``run_lock``) belongs to one process and ends with it. A DAG run is a sequence of
processes (one per task, dbt a subprocess of each dbt task), so between two of its tasks the lock is free and a
manual ``jaffle`` run could slip in: load raw data after the raw gate passed, or claim the load ids the DAG's
incremental models are about to process. The lease closes those gaps:

- every step of a leased run takes the lock and then renews the lease in its own name (``holder``);
- any other run that takes the lock finds the lease current, releases the lock and is refused as busy;
- the run gives the lease back when it publishes or fails; a run that dies without doing so (a killed
  scheduler) leaves a lease that expires ``[orchestration] lease_seconds`` (default 3600) after its last step began.

The lease is a small JSON file in the data folder, one per warehouse, read and written only by a process
holding the warehouse lock, so it needs no locking of its own. It is seen by the runs that share that data
folder (on Postgres the lock itself is server-wide, the lease is not).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import settings
from engines import current_engine


@dataclass(frozen=True)
class Lease:
    """Who keeps the warehouse between its steps, and until when (Unix seconds)."""

    holder: str
    expires_at: float

    def describe(self) -> str:
        until = datetime.fromtimestamp(self.expires_at, UTC).isoformat(timespec="seconds")
        return f"{self.holder} (leased until {until} unless it finishes first; lease file {lease_path()})"


def lease_seconds() -> float:
    """How long a lease outlives the start of its run's latest step: ``[orchestration] lease_seconds``."""
    return settings.current().orchestration.lease_seconds


def lease_path() -> Path:
    """The configured warehouse's lease file."""
    return settings.data_dir() / f"{current_engine().name}.lease.json"


def current_lease() -> Lease | None:
    """The lease in force, or None when there is none or it expired."""
    path = lease_path()
    try:
        saved = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except json.JSONDecodeError:
        return None  # only written by a lock holder in one write; unreadable means never finished: no lease
    lease = Lease(holder=str(saved["holder"]), expires_at=float(saved["expires_at"]))
    return lease if lease.expires_at > time.time() else None


def renew_lease(holder: str) -> Lease:
    """Take or extend the lease for ``holder`` (the caller holds the warehouse lock)."""
    lease = Lease(holder=holder, expires_at=time.time() + lease_seconds())
    path = lease_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(asdict(lease)))
    temporary.replace(path)
    return lease


def release_lease(holder: str) -> bool:
    """Give the lease back if ``holder`` has it (the caller holds the warehouse lock); True when released."""
    path = lease_path()
    try:
        saved = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return False
    if saved.get("holder") != holder:
        return False
    path.unlink(missing_ok=True)
    return True
