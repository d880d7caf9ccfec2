"""The run records (data/runs/*.json): status, seconds per stage, the failing step and its error."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import settings
from engines import current_engine

log = logging.getLogger(__name__)

STAGES = ("extract", "normalize", "load", "dbt", "checks", "publish")
# Which steps of a run record make each stage (extract, normalize and load are dlt's own timings).
STEP_STAGE = {"transform": "dbt", "freshness": "dbt", "check_raw": "checks", "check_marts": "checks"}


def run_files() -> list[Path]:
    """The run records, oldest first (run ids start with their UTC start time)."""
    folder = settings.data_dir() / "runs"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def load_runs() -> list[dict[str, Any]]:
    """Every readable run record of this warehouse, oldest first; a half-written one is skipped."""
    engine = current_engine().name
    runs = []
    for path in run_files():
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            log.warning("skipped unreadable run record %s", path.name)
            continue
        if record.get("warehouse", engine) == engine:
            runs.append(record)
    return runs


def stage_seconds(record: dict[str, Any]) -> dict[str, float]:
    """Seconds per stage of one run: dlt's extract, normalize and load summed over sources, then the rest."""
    seconds = dict.fromkeys(STAGES, 0.0)
    for step in record.get("steps", []):
        if step["name"] == "extract_load":
            for source in (step.get("detail") or {}).values():
                for stage, value in (source.get("seconds") or {}).items():
                    if stage in seconds:
                        seconds[stage] += float(value)
        elif step["name"] in STEP_STAGE:
            seconds[STEP_STAGE[step["name"]]] += float(step.get("seconds") or 0)
        elif step["name"] == "publish":
            seconds["publish"] += float(step.get("seconds") or 0)
    return {stage: round(value, 3) for stage, value in seconds.items()}


def failing_step(record: dict[str, Any]) -> dict[str, str] | None:
    """The step that failed, with its error, or None."""
    for step in record.get("steps", []):
        if step.get("status") == "failed":
            return {"step": step["name"], "error": step.get("error") or ""}
    return None


def run_rows() -> list[dict[str, Any]]:
    """One row per run: id, start, status, total seconds, seconds per stage, failing step and error."""
    result = []
    for record in load_runs():
        failure = failing_step(record) or {"step": "", "error": ""}
        status = record.get("status", "running")
        result.append(
            {
                "run_id": record["run_id"],
                "started_at": record.get("started_at", ""),
                "status": "did not finish" if status == "running" else status,
                "seconds": round(sum(float(s.get("seconds") or 0) for s in record.get("steps", [])), 3),
                **stage_seconds(record),
                "failed_step": failure["step"],
                "error": failure["error"],
            }
        )
    return result


def blocked_expectations() -> list[dict[str, Any]]:
    """The critical expectations that failed in a gate and so blocked a publish, per run."""
    blocked = []
    for record in load_runs():
        for step in record.get("steps", []):
            if not step["name"].startswith("check_") or step.get("status") != "failed":
                continue
            for suite in (step.get("detail") or {}).get("suites", []):
                for observation in suite.get("observations", []):
                    if not observation.get("passed") and observation.get("severity") == "critical":
                        blocked.append(
                            {
                                "run_id": record["run_id"],
                                "stage": step["name"].removeprefix("check_"),
                                "suite": suite.get("name", ""),
                                "expectation": observation.get("expectation", ""),
                                "observed": json.dumps(observation.get("observed"), default=str),
                            }
                        )
    return blocked
