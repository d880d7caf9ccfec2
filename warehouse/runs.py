"""The record of one pipeline run: steps with status, seconds and details, saved as JSON under data/runs."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import settings
from engines import current_engine

log = logging.getLogger(__name__)


class StepFailed(RuntimeError):
    """A step ended without success; the message says what failed and what to do."""


@dataclass
class StepRecord:
    """One step of a run."""

    name: str
    status: str = "running"
    seconds: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass
class RunRecord:
    """One run of the pipeline, step by step."""

    run_id: str = field(
        default_factory=lambda: datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    )
    warehouse: str = field(default_factory=lambda: current_engine().name)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    status: str = "running"
    steps: list[StepRecord] = field(default_factory=list)
    inputs: str = ""  # the digest of what this run builds from (warehouse/inputs.py), once known

    @contextmanager
    def step(self, name: str) -> Iterator[StepRecord]:
        """Time a step and record how it ended; failures are recorded, then re-raised."""
        record = StepRecord(name)
        self.steps.append(record)
        self.save()  # a run killed in this step leaves a record that says so
        log.info("step %s: started", name)
        started = time.perf_counter()
        try:
            yield record
            record.status = "ok"
        except BaseException as error:
            record.status = "failed"
            record.error = f"{type(error).__name__}: {error}"
            self.status = "failed"
            raise
        finally:
            record.seconds = round(time.perf_counter() - started, 3)
            log.info("step %s: %s in %.1fs", name, record.status, record.seconds)
            self.save()

    def finish(self) -> Path:
        """Mark the run successful unless a step failed, and save it."""
        if self.status == "running":
            self.status = "ok"
        return self.save()

    def save(self) -> Path:
        """Write the record as JSON (no credentials are ever put in a record)."""
        folder = settings.data_dir() / "runs"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.run_id}.json"
        # Written beside, then renamed: a run killed mid-write never leaves a half record behind.
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(asdict(self), indent=2, default=str))
        partial.replace(path)
        return path
