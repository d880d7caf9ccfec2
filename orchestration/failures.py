"""Which failures are worth a retry, and the failure callback that writes the failing task into the run history."""

from __future__ import annotations

from typing import Any

from warehouse.runs import StepRecord

from .records import load_record, record_id

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
