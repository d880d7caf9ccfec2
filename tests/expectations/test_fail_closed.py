"""The gate fails closed: exceptions, nothing evaluated, no suites or no warehouse all block, never raise."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from expectations import gate as gate_module
from expectations.gate import run_gate, run_suites
from expectations.suites import WARNING, has_rows, table_suite, unexpected_rows


def orders_suite(*expectations) -> list:
    """One suite on the good raw orders table."""
    return [table_suite("raw_jaffle_api", "orders", [*has_rows(), *expectations])]


def test_an_exception_inside_a_gx_check_blocks_even_at_warning_level(backend):
    broken = unexpected_rows(
        "select * from {batch} where no_such_function(order_total) > 0", "broken", WARNING
    )
    result = run_suites("raw", orders_suite(*broken))
    assert not result.passed
    (suite,) = result.suites
    (failure,) = suite.failures
    assert failure.severity == WARNING and failure.error and failure.blocking
    assert "error: unexpected_rows_expectation [broken]" in result.summary()


def test_an_exception_in_the_gate_is_recorded_not_raised(backend, monkeypatch):
    def explode(datasource, suite):
        raise RuntimeError("boom while validating")

    monkeypatch.setattr(gate_module, "validate_suite", explode)
    result = run_gate("marts")
    assert not result.passed
    assert all("exception: RuntimeError: boom while validating" in suite.reasons() for suite in result.suites)
    assert "RuntimeError: boom while validating" in result.summary()
    with pytest.raises(RuntimeError, match="boom"):
        run_gate("marts", raise_errors=True)


def test_a_suite_that_evaluates_nothing_blocks(backend, monkeypatch):
    nothing = SimpleNamespace(statistics={"evaluated_expectations": 0}, success=True, results=[])
    monkeypatch.setattr(gate_module, "validate_suite", lambda datasource, suite: nothing)
    result = run_suites("raw", orders_suite())
    assert not result.passed
    assert result.suites[0].reasons() == ["0 of 1 expectations evaluated"]


def test_a_suite_without_expectations_blocks(backend):
    result = run_suites("raw", [table_suite("raw_jaffle_api", "orders", [])])
    assert not result.passed and "the suite declares no expectation" in result.suites[0].reasons()


def test_no_suites_and_an_unknown_stage_block(backend):
    assert not run_suites("raw", []).passed
    result = run_gate("gold")
    assert not result.passed and "no suites for stage 'gold'" in result.errors[0]


def test_a_missing_duckdb_warehouse_blocks(monkeypatch, tmp_path):
    monkeypatch.setenv("WAREHOUSE", "duckdb")
    monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS", str(tmp_path / "absent.duckdb"))
    result = run_gate("raw")
    assert not result.passed and "FileNotFoundError" in result.errors[0]
    assert not (tmp_path / "absent.duckdb").exists()


def test_an_unreachable_postgres_blocks_and_never_shows_the_password(monkeypatch):
    secret = "s3cret-Pa55word"
    monkeypatch.setenv("WAREHOUSE", "postgres")
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS__HOST", "127.0.0.1")
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS__PORT", "1")
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS__PASSWORD", secret)
    result = run_gate("marts")
    assert not result.passed and result.errors
    assert secret not in result.summary() and secret not in str(result.to_dict())
