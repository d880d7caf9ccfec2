"""Row counts against recent passing gate runs: a drop blocks, a spike above the floor warns, on both engines.

Each test gets a fresh warehouse (the ``warehouse`` fixture) holding one table, gates it with a one-suite
gate and stores each run's results in ``pipeline_runs.check_results`` as a real run does.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

import settings
from expectations import history
from expectations.gate import run_suites
from expectations.result import GateResult
from expectations.row_count_drift import Baseline, judge
from expectations.suites import has_rows, table_suite
from warehouse.connection import connect, fetch_all, placeholder, quote

SCHEMA, TABLE = "drift_checked", "events"
THRESHOLDS = (
    "EXPECTATIONS__ROW_DROP_PERCENT",
    "EXPECTATIONS__ROW_SPIKE_FACTOR",
    "EXPECTATIONS__ROW_SPIKE_MIN_ROWS",
)

pytestmark = pytest.mark.slow  # gates over loaded data, run after run: not in make test-fast


def execute(statement: str, parameters: tuple = ()) -> None:
    """Run one statement as the warehouse's owner (DuckDB file or the test database's login user)."""
    if settings.warehouse_name() == "duckdb":
        import duckdb

        connection = duckdb.connect(str(settings.duckdb_path()))
        try:
            connection.execute(statement, list(parameters))
        finally:
            connection.close()
        return
    import psycopg2

    connection = psycopg2.connect(**settings.postgres_credentials().psycopg_kwargs())
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement, parameters or None)
    finally:
        connection.close()


def set_rows(count: int) -> None:
    """Replace the checked table's rows with ``count`` rows."""
    table = quote(SCHEMA, TABLE)  # quoted test constants; the count is a bound parameter
    execute(f"delete from {table}")
    execute(f"insert into {table} select g from generate_series(1, {placeholder()}) as s(g)", (count,))


@pytest.fixture
def drift_warehouse(warehouse: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh warehouse with one empty table, default thresholds, roles off (checks, not privileges)."""
    monkeypatch.setenv("GX_ANALYTICS_ENABLED", "false")
    monkeypatch.setenv("POSTGRES__ROLES", "off")
    for name in THRESHOLDS:
        monkeypatch.delenv(name, raising=False)
    execute(f"create schema {quote(SCHEMA)}")
    execute(f"create table {quote(SCHEMA, TABLE)} (id bigint)")
    return warehouse


def gate_run(rows: int | None = None, record: bool = True, fail: bool = False) -> tuple[str, GateResult]:
    """Set the rows (when given), gate the table (plus a missing one when ``fail``), store the results."""
    if rows is not None:
        set_rows(rows)
    suites = [table_suite("drift", TABLE, has_rows(), {"drift": SCHEMA})]
    if fail:
        suites.append(table_suite("drift", "no_such_table", has_rows(), {"drift": SCHEMA}))
    result = run_suites("marts", suites)
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    if record:
        history.record_gate(run_id, result)
    return run_id, result


def stored(run_id: str) -> list[dict[str, Any]]:
    """The stored result rows of one run."""
    columns = ["kind", "expectation", "severity", "passed", "gate_verdict", "observed"]
    sql = (
        f"select {', '.join(quote(c) for c in columns)} from {quote('pipeline_runs', 'check_results')}"
        f" where run_id = {placeholder()}"
    )
    with connect(read_only=settings.warehouse_name() == "duckdb") as connection:
        return [dict(zip(columns, row, strict=True)) for row in fetch_all(connection, sql, [run_id])]


def test_without_history_the_check_is_skipped(drift_warehouse: str) -> None:
    """No history table, then only a failed run: the gate passes and says the check was skipped."""
    _, first = gate_run(50, fail=True)
    assert first.suites[0].notes == ["row count drift not checked: no pipeline_runs.check_results yet"]
    assert first.suites[0].passed and not first.passed
    _, second = gate_run(5)
    (suite,) = second.suites
    assert second.passed, second.summary()
    assert suite.notes == ["row count drift not checked: no passing gate run of this suite yet"]
    assert not suite.warnings and not suite.problems


def test_a_stable_count_passes(drift_warehouse: str) -> None:
    """The same count as last time passes; the note names the run compared with; severities are kept."""
    first_id, _ = gate_run(2000)
    run_id, result = gate_run(2000)
    (suite,) = result.suites
    assert result.passed and not suite.warnings and result.failed_warning == 0, result.summary()
    assert suite.notes == [
        f"row count 2,000: previous 2,000 (run {first_id}), median 2,000 of 1 passing runs"
    ]
    assert [o["severity"] for o in suite.observations] == ["critical"]
    assert {(r["kind"], r["severity"], r["passed"]) for r in stored(run_id)} == {
        ("expectation", "critical", True)
    }


def test_a_fifty_percent_drop_blocks(drift_warehouse: str) -> None:
    """Half the rows gone since the last passing run: blocked, naming both counts and that run."""
    first_id, _ = gate_run(2000)
    run_id, result = gate_run(1000)
    message = f"row count fell from 2,000 to 1,000 (-50.0%) since run {first_id} (more than the 10% allowed)"
    assert not result.passed and result.suites[0].problems == [message]
    assert message in result.summary() and result.summary().startswith("marts gate FAILED")
    (problem,) = [row for row in stored(run_id) if row["kind"] == "problem"]
    assert problem["expectation"] == message and problem["severity"] == "critical" and not problem["passed"]
    assert problem["gate_verdict"] == "failed" and json.loads(problem["observed"]) == {"row_count": 1000}


def test_a_spike_above_the_floor_warns_but_passes(drift_warehouse: str) -> None:
    """Five times the usual count, 1,200 rows more: a warning in the summary and in history, no block."""
    gate_run(300)
    gate_run(300)
    run_id, result = gate_run(1500)
    (suite,) = result.suites
    assert result.passed and suite.passed and not suite.problems, result.summary()
    warning = (
        "row count spiked to 1,500, 5.0x the median 300 of the last 2 passing runs"
        " (warns above 3x and +1,000 rows)"
    )
    assert suite.warnings == [warning] and result.failed_warning == 1
    assert f"  warn drift__{TABLE}" in result.summary() and f"warning: {warning}" in result.summary()
    assert result.to_dict()["suites"][0]["warnings"] == [warning]
    (row,) = [row for row in stored(run_id) if row["kind"] == "warning"]
    assert (row["expectation"], row["severity"], row["passed"], row["gate_verdict"]) == (
        warning,
        "warning",
        False,
        "passed",
    )


def test_a_spike_below_the_floor_is_ignored(drift_warehouse: str) -> None:
    """A tiny table growing fivefold (3 to 15 rows) is no news."""
    gate_run(3)
    _, result = gate_run(15)
    assert result.passed and not result.suites[0].warnings and result.failed_warning == 0, result.summary()


def test_a_failed_gate_run_is_never_the_baseline(drift_warehouse: str) -> None:
    """A run the gate rejected (with ten times the rows) is skipped: the last passing run is the baseline."""
    passing_id, _ = gate_run(100)
    failed_id, failed = gate_run(1000, fail=True)
    assert not failed.passed
    _, result = gate_run(100)
    assert result.passed, result.summary()
    assert f"previous 100 (run {passing_id})" in result.suites[0].notes[0]
    assert failed_id not in result.summary() + result.suites[0].notes[0]


def test_thresholds_and_their_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 10% fall passes and 11% blocks; the median ignores one odd run; env variables move the limits."""
    for name in THRESHOLDS:
        monkeypatch.delenv(name, raising=False)
    history_ = [Baseline("r3", 1000), Baseline("r2", 100_000), Baseline("r1", 1000)]
    assert judge(900, history_).problem is None
    assert "from 1,000 to 890 (-11.0%) since run r3" in (judge(890, history_).problem or "")
    assert judge(3500, history_).warning  # 3.5x the median (1,000, not the odd 100,000), +2,500 rows
    assert judge(2999, history_).warning is None  # below 3x the median
    small = [Baseline("r1", 100)]
    assert judge(500, small).warning is None  # 5x, but only 400 rows more: under the floor
    monkeypatch.setenv("EXPECTATIONS__ROW_DROP_PERCENT", "60")
    monkeypatch.setenv("EXPECTATIONS__ROW_SPIKE_MIN_ROWS", "10")
    assert judge(500, history_).problem is None and judge(390, history_).problem
    assert judge(500, small).warning
    monkeypatch.setenv("EXPECTATIONS__ROW_SPIKE_FACTOR", "-1")
    with pytest.raises(ValueError, match="EXPECTATIONS__ROW_SPIKE_FACTOR"):
        judge(1000, history_)
