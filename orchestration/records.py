"""One run record (warehouse/runs.py RunRecord, data/runs/<id>.json) per DAG run, shared by its tasks."""

from __future__ import annotations

import json
import re
from typing import Any

import settings
from warehouse.runs import RunRecord, StepRecord


def record_id(context: dict[str, Any]) -> str:
    """The run id of a DAG run: ``airflow-`` and the DAG run id, made file-name safe."""
    return "airflow-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", context["run_id"])


def load_record(run_id: str) -> RunRecord:
    """The DAG run's record as saved so far, or a new one."""
    path = settings.data_dir() / "runs" / f"{run_id}.json"
    if not path.exists():
        return RunRecord(run_id=run_id)
    saved = json.loads(path.read_text())
    steps = [StepRecord(**step) for step in saved.pop("steps")]
    return RunRecord(**saved, steps=steps)
