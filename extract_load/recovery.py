"""Recover a pipeline from a crashed run before it extracts again: nothing of a half-done run is trusted.

A run killed between extract and the end of its load leaves a load package behind (extracted, normalized or
partly loaded). dlt 1.30+ no longer aborts such packages by itself, and a pending package blocks every later
run. Before each extract-load the pending packages are looked at:

- a package whose load id the destination already records as completed (the process died after the
  ``_dlt_loads`` row was written, before the package was archived) is finished: dlt archives it;
- every other pending package is aborted with ``abort_packages``: nothing more of it is loaded, dlt's state
  and cursors are rewound to where it started, so this run extracts its data again. Rows it already wrote
  keep a load id with no completed ``_dlt_loads`` row; staging reads completed loads only, so they never
  reach the marts (``jaffle status`` counts them).

The reconciliation of a crashed run (rows read = rows normalized + rows quarantined) died with its process,
which is why an unfinished package is re-extracted rather than trusted.

A crash can also leave dlt's local working folder itself unreadable (a disk that filled up mid-write leaves
half-written schema or state files). Then the folder is moved aside and the pipeline is rebuilt from the
warehouse: dlt restores state and schemas of the last completed load from the destination.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dlt

log = logging.getLogger("jaffle")


@dataclass
class PendingPackage:
    """A load package a run left behind, with how far it got."""

    pipeline: str
    load_id: str
    stage: str  # "extracted" (not normalized yet) or "normalized" (waiting for, or in, its load)
    jobs: dict[str, int] = field(default_factory=dict)  # jobs per state: new, started, completed, failed

    def describe(self) -> str:
        """One line for people: which package, how far it got."""
        jobs = ", ".join(
            f"{count} {state.removesuffix('_jobs')}" for state, count in self.jobs.items() if count
        )
        return f"{self.pipeline}: package {self.load_id} ({self.stage}; jobs: {jobs or 'none'})"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy."""
        return asdict(self)


@dataclass
class RecoveryAction:
    """What recovery did with one pending package: ``finished`` or ``aborted``."""

    package: PendingPackage
    action: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy."""
        return {**self.package.to_dict(), "action": self.action}


def pending_packages(pipeline: dlt.Pipeline) -> list[PendingPackage]:
    """Every package of the pipeline that is extracted or normalized but not archived as loaded."""
    pending = []
    for stage, load_ids in (
        ("normalized", pipeline.list_normalized_load_packages()),
        ("extracted", pipeline.list_extracted_load_packages()),
    ):
        for load_id in sorted(load_ids):
            jobs = pipeline.get_load_package_info(load_id).jobs
            counts = {state: len(jobs.get(state, [])) for state in jobs}
            pending.append(PendingPackage(pipeline.pipeline_name, load_id, stage, counts))
    return pending


def completed_in_destination(pipeline: dlt.Pipeline, load_id: str) -> bool:
    """Whether the destination records the load as completed (a row with status 0 in ``_dlt_loads``)."""
    with pipeline.sql_client() as client:
        if not client.has_dataset():
            return False
        loads = client.make_qualified_table_name("_dlt_loads")
        try:
            rows = client.execute_sql(
                f"select count(*) from {loads} where load_id = %s and status = 0", load_id
            )
        except Exception as error:  # the dataset exists but no load ever completed: no _dlt_loads yet
            if "_dlt_loads" in str(error):
                return False
            raise
        return bool(rows and rows[0][0])


def recover_pipeline(pipeline: dlt.Pipeline) -> list[RecoveryAction]:
    """Finish the package the destination already completed, abort every other pending package."""
    pending = sorted(pending_packages(pipeline), key=lambda package: package.load_id)
    if not pending:
        return []
    normalized = [package for package in pending if package.stage == "normalized"]
    # dlt loads the oldest normalized package first: only that one can have been completed by the destination.
    keep = normalized[:1] if normalized and completed_in_destination(pipeline, normalized[0].load_id) else []
    drop = [package for package in pending if package not in keep]
    for package in drop:
        log.warning(
            "recovering from a crashed run: aborting %s; its data is extracted again", package.describe()
        )
    if drop:
        # Aborting from the oldest dropped package leaves the kept (older) one loadable.
        pipeline.abort_packages(load_id=drop[0].load_id if keep else None)
    for package in keep:
        log.warning("recovering from a crashed run: finishing %s (its load completed)", package.describe())
        pipeline.load()
    left = pending_packages(pipeline)
    if left:
        raise RuntimeError(
            f"pipeline {pipeline.pipeline_name}: packages still pending after recovery: "
            + "; ".join(package.describe() for package in left)
            + ". Run `jaffle status` to see them and `jaffle recover` to retry."
        )
    return [RecoveryAction(package, "finished") for package in keep] + [
        RecoveryAction(package, "aborted") for package in drop
    ]


# What a half-written working folder raises when dlt reads it back.
BROKEN_WORKING_FOLDER = (OSError, ValueError)  # json.JSONDecodeError is a ValueError


def recovered_pipeline(
    name: str, make_pipeline: Callable[[str], dlt.Pipeline], broken_dir: Path
) -> tuple[dlt.Pipeline, list[RecoveryAction]]:
    """The source's pipeline, recovered; rebuilt from the warehouse when its working folder is unreadable."""
    try:
        pipeline = make_pipeline(name)
        return pipeline, recover_pipeline(pipeline)
    except BROKEN_WORKING_FOLDER as error:
        return _rebuild(name, make_pipeline, broken_dir, error)


def _rebuild(
    name: str, make_pipeline: Callable[[str], dlt.Pipeline], broken_dir: Path, error: Exception
) -> tuple[dlt.Pipeline, list[RecoveryAction]]:
    """Move the unreadable working folder aside, then restore state and schemas from the destination."""
    from .destination import pipelines_dir

    working = pipelines_dir() / name
    broken_dir.mkdir(parents=True, exist_ok=True)
    aside = broken_dir / f"{name}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
    log.warning(
        "recovering %s: its working folder is unreadable (%s: %s); moved to %s, rebuilding from the warehouse",
        name, type(error).__name__, str(error).splitlines()[0] if str(error) else "", aside,
    )  # fmt: skip
    if working.exists():
        shutil.move(str(working), str(aside))
    pipeline = make_pipeline(name)
    pipeline.sync_destination()
    package = PendingPackage(name, "(working folder)", "unreadable")
    return pipeline, [RecoveryAction(package, "rebuilt from the warehouse")]
