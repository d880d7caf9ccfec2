"""The quality gate of a stage: validate every table suite and decide, fail-closed, whether data may pass.

The gate blocks when any critical expectation fails, a suite evaluates nothing, a table is missing or
empty, a column is missing, a dlt variant column betrays a type clash, the row count fell sharply since the
last passing run (``row_count_drift.py``; a sharp rise only warns), an expectation cannot run on the engine
as written, or anything raises inside the checks. The engine is reached through a validation target
(``target.py``: DuckDB and Postgres by SQL, Spark by its session); the flow is the same for all.
Exceptions are recorded in the result and never escape ``run_gate`` unless ``raise_errors=True``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping

from engines import current_engine

from .result import GateResult, SuiteResult
from .row_count_drift import check_drift
from .runner import UnsupportedExpectation, compact, failure_of, is_failure, validate_suite
from .suites import TableSuite, stage_suites
from .target import ValidationTarget, validation_target

logger = logging.getLogger(__name__)

# dlt writes a value whose type clashes with its column into a variant column (``amount__v_text``).
VARIANT_COLUMN = "__v_"


def _error_text(error: BaseException) -> str:
    """A one-line description of an exception (the first line of its message)."""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {message}"[:500]


def _precheck(target: ValidationTarget, suite: TableSuite, result: SuiteResult) -> bool:
    """Table present, columns present, row count recorded; False when GX need not run at all."""
    columns = target.columns(suite.schema, suite.table)
    if columns is None:
        result.problems.append(f"table {suite.qualified_table} is missing")
        return False
    missing = sorted(suite.columns - columns)
    if missing:
        result.problems.append(f"missing columns: {', '.join(missing)}")
    variants = sorted(column for column in columns if VARIANT_COLUMN in column)
    if variants:
        result.problems.append(
            f"variant columns from a type clash in the source: {', '.join(variants)}"
            " (fix the source or its column hints, then reload)"
        )
    result.row_count = target.row_count(suite.schema, suite.table)
    if result.row_count == 0:
        result.problems.append("table is empty")
    _check_drift(target, suite, result)
    return not missing


def _check_drift(target: ValidationTarget, suite: TableSuite, result: SuiteResult) -> None:
    """Compare the row count with recent passing runs: a drop is a problem, a spike a warning."""
    drift = check_drift(target, suite.name, suite.qualified_table, result.row_count or 0)
    result.notes.append(drift.note)
    if drift.problem:
        result.problems.append(drift.problem)
    if drift.warning:
        result.warnings.append(drift.warning)


def _validate(source: object, suite: TableSuite, result: SuiteResult) -> None:
    """Run GX on one suite and record evaluated count, success and every failure."""
    validation = validate_suite(source, suite)
    result.evaluated = int(validation.statistics.get("evaluated_expectations") or 0)
    result.success = bool(validation.success)
    if result.evaluated != len(suite.expectations):
        result.problems.append(f"{result.evaluated} of {len(suite.expectations)} expectations evaluated")
    for expectation_result in validation.results:
        outcome = failure_of(expectation_result)
        failed = is_failure(expectation_result, outcome)
        result.observations.append(
            {
                "expectation": outcome.describe(),
                "severity": outcome.severity,
                "passed": not failed,
                "observed": compact(outcome.observed),
            }
        )
        if failed:
            result.failures.append(outcome)


def check_suite(
    target: ValidationTarget, source: object, suite: TableSuite, raise_errors: bool = False
) -> SuiteResult:
    """Validate one table suite; any exception becomes a recorded, blocking problem (or raises if asked)."""
    result = SuiteResult(name=suite.name, table=suite.qualified_table)
    try:
        if not suite.expectations:
            result.problems.append("the suite declares no expectation")
        elif _precheck(target, suite, result):
            _validate(source, suite, result)
    except UnsupportedExpectation as error:  # the engine cannot run it as written: blocks, says why
        if raise_errors:
            raise
        result.problems.append(str(error))
    except Exception as error:  # fail closed: record, block, go on with other suites
        if raise_errors:
            raise
        logger.warning("suite %s raised %s", suite.name, _error_text(error))
        result.problems.append(f"exception: {_error_text(error)}")
    return result


def run_suites(stage: str, suites: Iterable[TableSuite], raise_errors: bool = False) -> GateResult:
    """Validate the given table suites against the configured warehouse and return the gate's verdict."""
    started = time.monotonic()
    gate = GateResult(stage=stage)
    try:
        gate.warehouse = current_engine().name
        target = validation_target()
        gate.target = target.describe()
        try:
            target.open()
            gate.target = target.describe()
            with target.gx_source() as source:
                for suite in suites:
                    gate.suites.append(check_suite(target, source, suite, raise_errors))
        finally:
            target.close()
    except Exception as error:
        if raise_errors:
            raise
        logger.warning("the %s gate raised %s", stage, _error_text(error))
        gate.errors.append(_error_text(error))
    gate.seconds = time.monotonic() - started
    return gate


def run_gate(
    stage: str, schema_map: Mapping[str, str] | None = None, raise_errors: bool = False
) -> GateResult:
    """Validate every table suite of ``stage`` (raw, staging, marts); ``schema_map`` renames schemas.

    Returns a ``GateResult`` whose ``passed`` is False on any blocking failure; never raises unless
    ``raise_errors`` is True.
    """
    try:
        suites = stage_suites(stage, schema_map)
    except Exception as error:
        if raise_errors:
            raise
        return GateResult(stage=stage, errors=[_error_text(error)])
    return run_suites(stage, suites, raise_errors=raise_errors)
