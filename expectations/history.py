"""Every gate run's results, appended to ``pipeline_runs.check_results`` in the warehouse, with history.

One row per expectation evaluated (its observed values as compact JSON, sample lists cut short) and one row
per suite-level problem, suite warning (a row-count spike) or gate error (``kind`` tells them apart). Rows
are stored by the engine's validation target (``target.py``): on DuckDB and Postgres through the same dlt
pipeline as the load reports (``extract_load/run_report.py``; on Postgres as the loader role, which owns
``pipeline_runs``), on Spark appended to the Spark table of that name by the session itself, where the drift
check reads them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .result import GateResult, SuiteResult
from .suites import CRITICAL, WARNING

HISTORY_DATASET = "pipeline_runs"
CHECK_RESULTS = "check_results"
UNKNOWN = "unknown"
MAX_VALUES = 20
MAX_VALUE_CHARS = 200
MAX_OBSERVED_CHARS = 4000
# A password in a URL (``scheme://user:secret@host``) or a ``password=...`` pair never reaches the table.
_SECRET_PATTERNS = (
    (re.compile(r"(://[^/\s:@]*:)[^@\s]*@"), r"\1***@"),
    (re.compile(r"(?i)(password|passwd|pwd|secret|token)(\s*[=:]\s*)[^\s,;&\"']+"), r"\1\2***"),
)

COLUMNS: dict[str, dict] = {
    "run_id": {"data_type": "text", "nullable": False},
    "stage": {"data_type": "text", "nullable": False},
    "suite": {"data_type": "text", "nullable": True},
    "table_name": {"data_type": "text", "nullable": True},
    "kind": {"data_type": "text", "nullable": False},
    "expectation": {"data_type": "text", "nullable": False},
    "severity": {"data_type": "text", "nullable": False},
    "passed": {"data_type": "bool", "nullable": False},
    "observed": {"data_type": "text", "nullable": True},
    "suite_verdict": {"data_type": "text", "nullable": True},
    "gate_verdict": {"data_type": "text", "nullable": False},
    "evaluated_at": {"data_type": "timestamp", "timezone": False, "nullable": False},
}


def redact(text: str) -> str:
    """The text with any password-looking part masked."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def short_value(value: Any) -> Any:
    """A sample value as stored and shown: long text cut to ``MAX_VALUE_CHARS``."""
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def samples(observed: Mapping[str, Any]) -> list[Any]:
    """At most ``MAX_VALUES`` sample failing values (GX's ``partial_unexpected_list``), shortened."""
    values = observed.get("partial_unexpected_list") or []
    return [short_value(value) for value in list(values)[:MAX_VALUES]]


def observed_json(observed: Mapping[str, Any] | None) -> str | None:
    """Observed values as compact JSON: lists capped, long values cut, secrets masked, bounded length."""
    if not observed:
        return None
    kept = {
        key: [short_value(v) for v in value[:MAX_VALUES]] if isinstance(value, list) else value
        for key, value in observed.items()
    }
    text = redact(json.dumps(kept, default=str, sort_keys=True, separators=(",", ":")))
    return text if len(text) <= MAX_OBSERVED_CHARS else text[: MAX_OBSERVED_CHARS - 1] + "…"


def _verdict(passed: bool) -> str:
    """``passed`` or ``failed``."""
    return "passed" if passed else "failed"


def _suite_rows(suite: SuiteResult) -> list[dict[str, Any]]:
    """One row per evaluated expectation and one per reason the suite blocks."""
    failures = {failure.describe(): failure for failure in suite.failures}
    base = {"suite": suite.name, "table_name": suite.table, "suite_verdict": _verdict(suite.passed)}
    rows = []
    for observation in suite.observations:
        described = observation["expectation"]
        failure = failures.get(described)
        severity = observation.get("severity") or (failure.severity if failure else UNKNOWN)
        observed = dict(failure.observed) if failure else dict(observation["observed"] or {})
        if failure and failure.error:
            observed["error"] = failure.error
        rows.append(
            base
            | {"kind": "expectation", "expectation": described, "severity": severity}
            | {"passed": bool(observation["passed"]), "observed": observed_json(observed)}
        )
    for reason in suite.reasons():
        rows.append(
            base
            | {"kind": "problem", "expectation": redact(reason), "severity": CRITICAL}
            | {"passed": False, "observed": observed_json({"row_count": suite.row_count})}
        )
    for warning in suite.warnings:
        rows.append(
            base
            | {"kind": "warning", "expectation": redact(warning), "severity": WARNING}
            | {"passed": False, "observed": observed_json({"row_count": suite.row_count})}
        )
    return rows


def history_rows(run_id: str, result: GateResult) -> list[dict[str, Any]]:
    """The rows one gate run appends: its expectations, suite problems and gate errors."""
    rows = [row for suite in result.suites for row in _suite_rows(suite)]
    errors = list(result.errors) or ([] if result.suites else ["no suite was run"])
    blank = {"suite": None, "table_name": None, "suite_verdict": None, "observed": None}
    rows += [
        blank | {"kind": "gate error", "expectation": redact(error), "severity": CRITICAL, "passed": False}
        for error in errors
    ]
    evaluated_at = datetime.now(UTC).replace(tzinfo=None)
    common = {"run_id": run_id, "stage": result.stage, "gate_verdict": _verdict(result.passed)}
    return [common | row | {"evaluated_at": evaluated_at} for row in rows]


def store_history(rows: list[dict[str, Any]]) -> int:
    """Append the rows to ``pipeline_runs.check_results`` in the configured warehouse; return how many."""
    if not rows:
        return 0
    from .target import validation_target  # the target reads the drift baseline from this module's table

    target = validation_target()
    try:
        target.append_rows(rows, HISTORY_DATASET, CHECK_RESULTS, COLUMNS)
    finally:
        target.close()
    return len(rows)


def record_gate(run_id: str, result: GateResult) -> int:
    """Store one gate run's results; returns the number of rows appended."""
    return store_history(history_rows(run_id, result))
