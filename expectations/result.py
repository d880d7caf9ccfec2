"""What a gate found: per suite results, fail-closed verdicts, a one-screen summary and a JSON form."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from .suites import CRITICAL, WARNING

MAX_SAMPLE = 5


@dataclass
class FailedExpectation:
    """One expectation that did not pass, or could not be evaluated (``error`` set)."""

    expectation: str
    severity: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    observed: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def blocking(self) -> bool:
        """Critical failures and any error block; a plain warning does not."""
        return self.error is not None or self.severity != WARNING

    def describe(self) -> str:
        """``type(column...)`` with the main arguments, for the summary."""
        shown = {key: value for key, value in self.kwargs.items() if key not in ("batch_id",)}
        if "description" in shown:
            return f"{self.expectation} [{shown['description']}]"
        arguments = ", ".join(f"{key}={value}" for key, value in shown.items())
        return f"{self.expectation}({arguments})"


@dataclass
class SuiteResult:
    """The verdict of one table suite."""

    name: str
    table: str
    evaluated: int = 0
    row_count: int | None = None
    success: bool = False
    failures: list[FailedExpectation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    observations: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # reported and stored, never blocking
    notes: list[str] = field(default_factory=list)  # context, e.g. what the row count was compared with

    @property
    def passed(self) -> bool:
        """Fail-closed: rows, evaluated expectations, no problem and no blocking failure."""
        return (
            not self.problems
            and self.evaluated > 0
            and bool(self.row_count)
            and not any(failure.blocking for failure in self.failures)
        )

    def reasons(self) -> list[str]:
        """Why this suite blocks the gate (empty when it passes)."""
        reasons = list(self.problems)
        if self.row_count == 0 and not any("empty" in problem for problem in reasons):
            reasons.append("table is empty")
        if self.evaluated == 0 and not self.problems:
            reasons.append("no expectation was evaluated")
        return reasons


@dataclass
class GateResult:
    """The verdict of one stage's gate over all its table suites."""

    stage: str
    warehouse: str = ""
    target: str = ""
    suites: list[SuiteResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """True only when there were suites, no gate error, and every suite passed."""
        return bool(self.suites) and not self.errors and all(suite.passed for suite in self.suites)

    @property
    def evaluated(self) -> int:
        """Expectations evaluated over all suites."""
        return sum(suite.evaluated for suite in self.suites)

    def _failures(self, blocking: bool) -> list[FailedExpectation]:
        """Failed expectations that block (or only warn)."""
        return [f for suite in self.suites for f in suite.failures if f.blocking == blocking]

    @property
    def failed_critical(self) -> int:
        """Failed or errored expectations that block the publish."""
        return len(self._failures(blocking=True))

    @property
    def failed_warning(self) -> int:
        """Failed warning-level expectations and suite warnings such as a row-count spike (not blocking)."""
        return len(self._failures(blocking=False)) + sum(len(suite.warnings) for suite in self.suites)

    def summary(self) -> str:
        """A human one-screen summary: the verdict, then each suite and what failed with observed values."""
        verdict = "passed" if self.passed else "FAILED"
        blocked = sum(not suite.passed for suite in self.suites)
        lines = [
            f"{self.stage} gate {verdict} on {self.target or self.warehouse}: {len(self.suites)} suites "
            f"({blocked} blocked), {self.evaluated} expectations evaluated, {self.failed_critical} blocking "
            f"failures, {self.failed_warning} warnings ({self.seconds:.1f}s)"
        ]
        lines += [f"  ERROR {error}" for error in self.errors]
        if not self.suites and not self.errors:
            lines.append("  ERROR no suite was run")
        for suite in self.suites:
            status = "ok  " if suite.passed else "FAIL"
            if suite.passed and (suite.failures or suite.warnings):
                status = "warn"
            rows = "?" if suite.row_count is None else f"{suite.row_count:,}"
            lines.append(f"  {status} {suite.name} ({suite.table}, {rows} rows, {suite.evaluated} evaluated)")
            lines += [f"       - {reason}" for reason in suite.reasons()]
            for failure in suite.failures:
                level = "error" if failure.error else (CRITICAL if failure.blocking else WARNING)
                detail = failure.error or _observed_text(failure.observed)
                lines.append(f"       {level}: {failure.describe()}: {detail}")
            lines += [f"       {WARNING}: {warning}" for warning in suite.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable record of the gate (no credentials: the target names no password)."""
        record = {
            "stage": self.stage,
            "warehouse": self.warehouse,
            "target": self.target,
            "passed": self.passed,
            "evaluated": self.evaluated,
            "failed_critical": self.failed_critical,
            "failed_warning": self.failed_warning,
            "errors": list(self.errors),
            "seconds": round(self.seconds, 3),
            "suites": [
                {**asdict(suite), "passed": suite.passed, "reasons": suite.reasons()} for suite in self.suites
            ],
        }
        return json.loads(json.dumps(record, default=str))


def _observed_text(observed: dict[str, Any]) -> str:
    """The observed values in a short line."""
    if not observed:
        return "no observed value"
    parts = []
    for key, value in observed.items():
        if isinstance(value, list):
            value = value[:MAX_SAMPLE]
        parts.append(f"{key}={value}")
    return "observed " + ", ".join(parts)
