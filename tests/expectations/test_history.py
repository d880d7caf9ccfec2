"""Gate results stored with history in ``pipeline_runs.check_results``, on DuckDB and on Postgres (with roles)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from gate_data import build

import settings
from expectations import history
from expectations.result import FailedExpectation, GateResult, SuiteResult
from warehouse import steps
from warehouse.connection import connect, fetch_all, placeholder, quote
from warehouse.runs import RunRecord, StepFailed

# Each statement breaks one marts expectation (or empties a table) so the marts gate fails.
BREAK_MARTS = [
    "update marts.orders set order_total = order_total + 10 where order_id = 'o1'",
    "update marts.customers set count_lifetime_orders = -1 where customer_id = 'c2'",
    "update marts.products set product_type = 'pizza' where product_id = 'BEV-001'",
    "delete from marts.store_daily_revenue",
]


def execute_as_admin(statements: list[str] | None = None) -> None:
    """Build the gate test tables (``statements`` None) or run statements, as the warehouse's owner."""
    if settings.warehouse_name() == "duckdb":
        import duckdb

        connection = duckdb.connect(str(settings.duckdb_path()))
        run = connection.execute
    else:
        import psycopg2

        connection = psycopg2.connect(**settings.postgres_credentials().psycopg_kwargs())
        connection.autocommit = True
        cursor = connection.cursor()
        run = cursor.execute  # type: ignore[assignment]
    try:
        if statements is None:
            mark = placeholder()
            build(
                lambda sql, parameters: run(sql, list(parameters) if mark == "?" else parameters or None),
                mark,
            )
        else:
            for statement in statements:
                run(statement)
    finally:
        connection.close()


def build_warehouse(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small good raw and mart tables in the test's warehouse; on Postgres, roles and grants as in a run."""
    monkeypatch.setenv("GX_ANALYTICS_ENABLED", "false")
    if settings.warehouse_name() == "postgres":
        from engines.postgres_admin import prepare_postgres

        execute_as_admin()
        prepare_postgres()  # hands raw and pipeline_runs to the loader, marts to the transformer
    else:
        execute_as_admin()


def stored_rows(run_id: str | None = None) -> list[dict[str, Any]]:
    """Rows of ``pipeline_runs.check_results`` (of one run when given), as dicts."""
    columns = list(history.COLUMNS)
    sql = f"select {', '.join(quote(c) for c in columns)} from {quote('pipeline_runs', 'check_results')}"
    parameters: list[str] = []
    if run_id:
        sql += f" where run_id = {placeholder()}"
        parameters.append(run_id)
    with connect(read_only=settings.warehouse_name() == "duckdb", role="loader") as connection:
        return [dict(zip(columns, row, strict=True)) for row in fetch_all(connection, sql, parameters)]


def test_passing_and_failing_gates_append_history(warehouse: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A passing gate, then a failing one: both stored with their verdicts, samples and problems."""
    build_warehouse(monkeypatch)
    first = RunRecord()
    passed = steps.check(first, "marts")
    rows = stored_rows(first.run_id)
    assert passed.passed and len(rows) == passed.evaluated > 0
    assert {(r["kind"], r["passed"], r["gate_verdict"], r["suite_verdict"]) for r in rows} == {
        ("expectation", True, "passed", "passed")
    }
    assert {r["severity"] for r in rows} <= {"critical", "warning"} and "warning" in {
        r["severity"] for r in rows
    }
    assert all(r["table_name"].startswith("marts.") and r["stage"] == "marts" for r in rows)
    assert all(json.loads(r["observed"]) for r in rows)

    execute_as_admin(BREAK_MARTS)
    second = RunRecord()
    with pytest.raises(StepFailed, match="the marts gate failed"):
        steps.check(second, "marts")
    assert second.steps[-1].status == "failed" and second.steps[-1].detail["stored_rows"] > 0
    failing = stored_rows(second.run_id)
    assert {r["gate_verdict"] for r in failing} == {"failed"}
    failed = {(r["suite"], r["expectation"]): r for r in failing if not r["passed"]}
    orders = failed[("marts__orders", "unexpected_rows_expectation [order_total = subtotal + tax_paid]")]
    assert orders["severity"] == "critical" and orders["suite_verdict"] == "failed"
    assert json.loads(orders["observed"]) == {"observed_value": 1}
    spend = next(r for (suite, _), r in failed.items() if suite == "marts__customers")
    assert json.loads(spend["observed"])["partial_unexpected_list"] == [-1]
    empty = failed[("marts__store_daily_revenue", "table is empty")]
    assert empty["kind"] == "problem" and json.loads(empty["observed"]) == {"row_count": 0}
    assert any(r["passed"] for r in failing)  # expectations that still hold are stored too

    everything = stored_rows()
    assert {r["run_id"] for r in everything} == {first.run_id, second.run_id}
    assert len(everything) == len(rows) + len(failing)


def _gate(observed: dict[str, Any]) -> GateResult:
    """A failing one-suite gate whose failure observed ``observed``."""
    failure = FailedExpectation("expect_column_values_to_be_in_set", "critical", {"column": "x"}, observed)
    suite = SuiteResult(name="s", table="marts.t", evaluated=1, row_count=3, failures=[failure])
    suite.observations.append({"expectation": failure.describe(), "passed": False, "observed": {}})
    return GateResult(stage="marts", warehouse="duckdb", suites=[suite])


def test_observed_json_is_compact_capped_and_masks_secrets() -> None:
    """At most 20 sample values, each cut short; passwords in URLs or pairs never stored."""
    values = [f"value-{n}" for n in range(30)] + ["x" * 1000]
    observed = {
        "unexpected_count": 31,
        "partial_unexpected_list": values[-25:],
        "details": "password=hunter2",
    }
    (row,) = history.history_rows("r1", _gate(observed))
    stored = json.loads(row["observed"])
    assert len(stored["partial_unexpected_list"]) == history.MAX_VALUES
    assert ", " not in row["observed"] and "hunter2" not in row["observed"]
    assert row["severity"] == "critical" and row["passed"] is False and row["gate_verdict"] == "failed"
    long = history.samples({"partial_unexpected_list": ["x" * 1000]})[0]
    assert len(long) == history.MAX_VALUE_CHARS
    assert history.redact("postgresql://me:s3cret@db/x") == "postgresql://me:***@db/x"


def test_gate_errors_and_empty_gates_are_stored_as_rows() -> None:
    """A gate that raised or ran no suite still leaves a failing row."""
    (error,) = history.history_rows("r1", GateResult(stage="raw", errors=["OperationalError: refused"]))
    (nothing,) = history.history_rows("r2", GateResult(stage="raw"))
    assert error["kind"] == "gate error" and error["expectation"] == "OperationalError: refused"
    assert nothing["expectation"] == "no suite was run" and not nothing["passed"]


def test_storing_failure_fails_a_passing_gate_with_a_clear_message(
    data_dir: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the results cannot be stored the step fails, saying so, without leaking the error's secrets."""
    passing = SuiteResult(name="s", table="marts.t", evaluated=1, row_count=1, success=True)
    passing.observations.append({"expectation": "e", "passed": True, "observed": {"observed_value": 1}})
    monkeypatch.setattr("expectations.gate.run_gate", lambda stage: GateResult(stage=stage, suites=[passing]))

    def refuse(rows: list[dict[str, Any]]) -> int:
        raise RuntimeError("connection to postgresql://loader:hunter2@db refused")

    monkeypatch.setattr(history, "store_history", refuse)
    record = RunRecord()
    with pytest.raises(StepFailed, match="marts gate passed, but its results could not be stored") as caught:
        steps.check(record, "marts")
    assert "hunter2" not in str(caught.value) and "pipeline_runs.check_results" in str(caught.value)
    assert record.steps[-1].status == "failed" and record.status == "failed"
