"""Great Expectations plumbing: one ephemeral context per process, a datasource per gate run.

Validation runs in the warehouse, never on data pulled into Python. On DuckDB and Postgres every suite runs
against a table asset of a SQL datasource given our connection factory (see ``connection.py``), never a
password; on Spark against a dataframe asset of GX's Spark engine (``spark_target.py``). What the gate
validates through is a *source*: ``batch(suite)`` is the suite's table as a GX batch and
``expectations(suite)`` the suite's expectations as the engine runs them (fresh copies).
"""

from __future__ import annotations

import logging
import os
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from engines.validation_connection import ValidationConnection

from .result import FailedExpectation
from .suites import TableSuite, severity_of

logger = logging.getLogger(__name__)

RESULT_FORMAT = "SUMMARY"
OBSERVED_KEYS = (
    "observed_value",
    "element_count",
    "unexpected_count",
    "unexpected_percent",
    "partial_unexpected_list",
    "details",
)


@cache
def gx_context() -> Any:
    """The process-wide ephemeral GX context: nothing written to disk, no analytics, no progress bars."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX warns on every type check that duckdb-engine has no GX type module (the fallback is intended),
    # and logs its throw-away docs folder at INFO: neither is news for a gate's reader.
    logging.getLogger("great_expectations.expectations.type_comparison").setLevel(logging.ERROR)
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.config.analytics_enabled = False
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


@contextmanager
def gx_datasource(connection: ValidationConnection) -> Iterator[Any]:
    """A SQL datasource on the warehouse for one gate run, removed (and its engines closed) afterwards."""
    context = gx_context()
    name = f"warehouse_{uuid.uuid4().hex[:12]}"
    datasource = connection.add_datasource(context, name)
    try:
        yield datasource
    finally:
        engines = []
        for getter in (datasource.get_engine, lambda: datasource.get_execution_engine().engine):
            try:
                engines.append(getter())
            except Exception:  # cleanup must not hide the gate's result
                logger.debug("no GX engine to dispose", exc_info=True)
        connection.close(*engines)
        context.data_sources.delete(name)


class UnsupportedExpectation(ValueError):
    """An expectation of a suite that the configured engine cannot run as written: the suite blocks."""


class SqlTables:
    """The GX source of a SQL warehouse: a table asset per suite, the expectations as declared."""

    def __init__(self, datasource: Any) -> None:
        self.datasource = datasource

    def batch(self, suite: TableSuite) -> Any:
        """The whole table of the suite as one batch, read by SQL pushed down to it."""
        with warnings.catch_warnings():
            # `schema_name` is deprecated in favour of a schema in the connection, which would need one
            # datasource per schema; it still works and keeps one datasource per gate run.
            warnings.simplefilter("ignore", DeprecationWarning)
            asset = self.datasource.add_table_asset(
                name=suite.name, table_name=suite.table, schema_name=suite.schema
            )
        return asset.add_batch_definition_whole_table("whole_table").get_batch()

    def expectations(self, suite: TableSuite) -> list[Any]:
        """Copies of the suite's expectations (GX binds each to the suite it is added to)."""
        return [expectation.copy(deep=True) for expectation in suite.expectations]


def validate_suite(source: Any, suite: TableSuite) -> Any:
    """Validate one table suite in the warehouse through a GX source; returns GX's suite validation result."""
    import great_expectations as gx

    batch = source.batch(suite)
    expectation_suite = gx.ExpectationSuite(name=suite.name, expectations=source.expectations(suite))
    return batch.validate(expectation_suite, result_format=RESULT_FORMAT)


def exception_message(exception_info: dict | None) -> str | None:
    """The first exception message GX recorded for a result, in either of its two shapes."""
    if not exception_info:
        return None
    if "raised_exception" in exception_info:
        if exception_info.get("raised_exception"):
            return str(exception_info.get("exception_message") or "an exception was raised")
        return None
    for info in exception_info.values():
        if isinstance(info, dict) and (info.get("raised_exception", True) or info.get("exception_message")):
            message = info.get("exception_message") or "an exception was raised"
            return str(message).strip().splitlines()[0][:500]
    return None


def observed(result: dict | None) -> dict[str, Any]:
    """The observed values of a result that matter for a summary (sample lists kept short)."""
    found = {}
    for key in OBSERVED_KEYS:
        if key in (result or {}) and result[key] is not None:
            value = result[key]
            found[key] = value[:5] if isinstance(value, list) else value
    return found


def compact(found: dict[str, Any]) -> dict[str, Any]:
    """The observed values worth keeping for a passing expectation: no sample lists."""
    return {key: value for key, value in found.items() if key in ("observed_value", "unexpected_count")}


def failure_of(expectation_result: Any) -> FailedExpectation:
    """The outcome of one result as a ``FailedExpectation``; ``is_failure`` tells whether it failed."""
    config = expectation_result.expectation_config
    kwargs = {key: value for key, value in config.kwargs.items() if key != "batch_id"}
    if config.description:
        kwargs["description"] = config.description
    outcome = FailedExpectation(
        expectation=config.type,
        severity=severity_of(config.meta),
        kwargs=kwargs,
        observed=observed(expectation_result.result),
        error=exception_message(expectation_result.exception_info),
    )
    if outcome.error is None and not outcome.observed:
        outcome.error = "no observed value: GX computed no metric (empty metrics) for this expectation"
    return outcome


def is_failure(expectation_result: Any, outcome: FailedExpectation) -> bool:
    """Failed, errored, or evaluated without any observed value (which never counts as a pass)."""
    return outcome.error is not None or not expectation_result.success
