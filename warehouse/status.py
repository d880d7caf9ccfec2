"""What state the warehouse is in, and repairing it: ``jaffle status`` shows, ``jaffle recover`` repairs.

Status reports who holds the warehouse, the load packages a crashed run left pending per pipeline, the raw
rows whose load never completed (orphans: staging reads completed loads only, so they never reach the marts)
and how the last run ended. Recover does explicitly what every extract-load does first: finish or abort each
pending package (see ``extract_load.recovery``), so the next run extracts the aborted data again. Orphans
are counted through the engine (on Spark by Spark SQL over the lake's tables), and recover declares the
recovered datasets' tables again where dlt does not (the Spark metastore).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import settings
from engines import current_engine
from extract_load.destination import pipelines_dir

from .run_lease import current_lease
from .run_lock import describe_holder


@dataclass
class WarehouseStatus:
    """The state ``jaffle status`` prints."""

    warehouse: str
    lock_holder: dict[str, Any] | None
    pending: list[dict[str, Any]] = field(default_factory=list)
    orphan_rows: dict[str, int] = field(default_factory=dict)
    orphans_counted: bool = False
    last_run: dict[str, Any] | None = None
    lease: str | None = None  # a run of many processes (a DAG run) keeping the warehouse between its steps

    @property
    def healthy(self) -> bool:
        """Nothing pending and no run holding the warehouse (orphans are harmless: they never reach marts)."""
        return not self.pending and self.lock_holder is None and self.lease is None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy."""
        return {**self.__dict__, "healthy": self.healthy}


def pipelines_with_state() -> list[str]:
    """The sources with a dlt working folder for this warehouse."""
    folder = pipelines_dir()
    return sorted(path.name for path in folder.iterdir() if path.is_dir()) if folder.exists() else []


def raw_datasets_here() -> list[str]:
    """The raw dataset of every configured source and of every source loaded into this warehouse before
    (a working folder here), so a source loaded once with ``--source`` or dropped from the configuration is
    still seen by status, recover and reset."""
    loaded = [
        settings.dataset_of(name) for name in pipelines_with_state() if name != settings.REPORTS_DATASET
    ]
    return list(dict.fromkeys([*settings.raw_datasets(), *loaded]))


def pending_packages() -> list[dict[str, Any]]:
    """Load packages extracted or normalized but never archived as loaded, per pipeline."""
    from extract_load.pipeline import source_pipeline
    from extract_load.recovery import BROKEN_WORKING_FOLDER, PendingPackage
    from extract_load.recovery import pending_packages as packages_of

    pending = []
    for name in pipelines_with_state():
        try:
            pending += [package.to_dict() for package in packages_of(source_pipeline(name))]
        except BROKEN_WORKING_FOLDER:
            pending.append(PendingPackage(name, "(working folder)", "unreadable").to_dict())
    return pending


def last_run() -> dict[str, Any] | None:
    """The newest run record: id, status, and the failed step with its error."""
    records = sorted((settings.data_dir() / "runs").glob("*.json"), key=lambda path: path.stat().st_mtime)
    for path in reversed(records):
        try:
            run = json.loads(path.read_text())
        except json.JSONDecodeError:
            continue  # a record being written by a running run
        failed = next((step for step in run.get("steps", []) if step.get("status") == "failed"), None)
        return {
            "run_id": run.get("run_id"),
            "status": run.get("status"),
            "started_at": run.get("started_at"),
            "failed_step": failed and failed["name"],
            "error": failed and (failed.get("error") or "")[:300],
        }
    return None


def warehouse_status(holding_lock: bool = False) -> WarehouseStatus:
    """Collect the status; the warehouse is queried only when no other run holds it (DuckDB admits one writer).

    ``holding_lock``: the caller holds the warehouse itself (``jaffle recover``), so it is not busy.
    """
    engine = current_engine()
    status = WarehouseStatus(engine.name, None if holding_lock else engine.lock_holder(), last_run=last_run())
    status.pending = pending_packages()
    lease = current_lease()
    status.lease = lease and lease.describe()
    if status.lock_holder is None and engine.holds_data():
        status.orphan_rows = engine.orphan_rows(raw_datasets_here())
        status.orphans_counted = True
    return status


def format_status(status: WarehouseStatus) -> str:
    """The status for people."""
    lines = [f"Warehouse: {status.warehouse}"]
    lines.append(
        f"  lock: held by {describe_holder(status.lock_holder)}" if status.lock_holder else "  lock: free"
    )
    lines.append(f"  lease: {status.lease}" if status.lease else "  lease: none")
    if status.pending:
        lines.append(
            "  pending load packages (a crashed run; the next run or `jaffle recover` repairs them):"
        )
        from extract_load.recovery import PendingPackage

        lines += [f"    {PendingPackage(**package).describe()}" for package in status.pending]
    else:
        lines.append("  pending load packages: none")
    if not status.orphans_counted:
        lines.append("  orphan rows: not counted (a run holds the warehouse, or nothing was loaded yet)")
    elif status.orphan_rows:
        lines.append("  orphan rows (load never completed; excluded from staging and marts):")
        lines += [f"    {table}: {count:,}" for table, count in status.orphan_rows.items()]
    else:
        lines.append("  orphan rows: none")
    run = status.last_run
    if run:
        outcome = (
            run["status"]
            if not run["failed_step"]
            else f"{run['status']} at {run['failed_step']}: {run['error']}"
        )
        if run["status"] == "running" and status.lock_holder is None:
            outcome = "did not finish: no run holds the warehouse, so it was killed or crashed"
        lines.append(f"  last run: {run['run_id']} ({run['started_at']}): {outcome}")
    else:
        lines.append("  last run: none yet (run `make demo`)")
    return "\n".join(lines)


def recover() -> list[dict[str, Any]]:
    """Finish or abort every pending package of every pipeline of this warehouse; return what was done."""
    from extract_load.destination import broken_pipelines_dir
    from extract_load.pipeline import source_pipeline
    from extract_load.recovery import recovered_pipeline

    actions = []
    for name in pipelines_with_state():
        _, done = recovered_pipeline(name, source_pipeline, broken_pipelines_dir())
        actions += [action.to_dict() for action in done]
    if actions:
        for dataset in raw_datasets_here():  # a finished package may have landed tables not declared yet
            current_engine().register_dataset(dataset)
    return actions


def print_recovery(actions: list[dict[str, Any]]) -> None:
    """What recover did, for people."""
    if not actions:
        print("Nothing to recover: no pending load packages.")
    for action in actions:
        print(f"{action['action']}: {action['pipeline']} package {action['load_id']} ({action['stage']})")
