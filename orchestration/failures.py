"""Which failures are worth a retry, and the failure callback that writes the failing task into the run history."""

from __future__ import annotations

import logging
from typing import Any

from warehouse.run_lease import release_lease
from warehouse.run_lock import WarehouseBusy, warehouse_lock
from warehouse.runs import StepRecord

from .records import load_record, record_id

log = logging.getLogger(__name__)

# Failures no retry can mend: the data or its declaration must change first.
PERMANENT = ("ReconciliationError", "DataValidationError", "SchemaException", "ColumnNameCollisionError",
             "DeclarationError", "FileFormatError")  # fmt: skip


def is_permanent(error: BaseException) -> bool:
    """True when the error or any of its causes is a contract violation or a failed reconciliation."""
    seen: BaseException | None = error
    while seen is not None:
        if any(cls.__name__ in PERMANENT for cls in type(seen).__mro__):
            return True
        seen = seen.__cause__ or getattr(seen, "exception", None)
    return False


def record_failure(context: dict[str, Any]) -> None:
    """Airflow failure callback: add the failing task and its reason to the run's record (data/runs)."""
    record = load_record(record_id(context))
    error = context.get("exception")
    task = context["task_instance"].task_id
    reason = f"{type(error).__name__}: {error}" if error else "failed"
    record.steps.append(StepRecord(name=f"airflow:{task}", status="failed", error=reason[:2000]))
    record.status = "failed"
    record.save()
    _give_back_the_lease(record.run_id)


def _give_back_the_lease(holder: str) -> None:
    """The failed run will not reach publish: release its lease so the next run need not wait for it to expire."""
    try:
        with warehouse_lock("airflow release lease", lease_holder=holder):
            release_lease(holder)
    except WarehouseBusy as error:  # another process holds the lock this instant: the lease then expires
        log.warning("could not release the lease of %s: %s", holder, error)
