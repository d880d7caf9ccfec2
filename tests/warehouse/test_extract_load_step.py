"""The extract-load step as the command line runs it: chosen sources, the stored report, and failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import settings
from extract_load.ledger import ReconciliationError, RowLedger
from warehouse.cli import main
from warehouse.connection import connect, fetch_all, quote


def _last_run() -> dict:
    """The newest run record."""
    runs = sorted((settings.data_dir() / "runs").glob("*.json"), key=lambda path: path.stat().st_mtime)
    return json.loads(runs[-1].read_text())


def _stored_report() -> list[tuple]:
    """Source, table, status, rows loaded, read, quarantined and balance of every stored report row."""
    with connect(read_only=True) as connection:
        return fetch_all(
            connection,
            "select source, table_name, status, rows_loaded, rows_read, rows_quarantined, balanced"
            f" from {quote(settings.REPORTS_DATASET, 'table_loads')} order by source, table_name",
        )


def test_el_with_a_source_loads_only_that_source_and_stores_its_report(data_dir: Path, capsys) -> None:
    assert main(["el", "--source", "jaffle_oltp", "--scale", "0.02"]) == 0
    detail = next(step for step in _last_run()["steps"] if step["name"] == "extract_load")["detail"]
    assert list(detail) == ["jaffle_oltp"]
    seeded = json.loads((data_dir / "source" / "oltp.json").read_text())["row_counts"]
    assert detail["jaffle_oltp"]["rows"] == seeded
    report = _stored_report()
    assert [(source, table, status) for source, table, status, *_ in report] == [
        ("jaffle_oltp", table, "loaded") for table in sorted(seeded)
    ]
    assert all(loaded == read and balanced for *_, loaded, read, _, balanced in report)
    output = capsys.readouterr().out
    assert "jaffle_oltp.employees" in output and "balanced" in output
    assert " + merged away as duplicates 0 + quarantined 0: balanced" in output


def test_an_unbalanced_source_fails_the_step_and_is_reported_as_aborted(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    def lose_a_row(name: str, location: str | None = None):
        ledger = RowLedger()
        ledger.count_read("employees", 7)
        raise ReconciliationError(name, [b for b in ledger.reconcile({"employees": 6}) if not b.balanced])

    monkeypatch.setattr("extract_load.pipeline.load_source", lose_a_row)
    assert main(["el", "--source", "jaffle_oltp", "--scale", "0.02"]) == 1
    assert "employees: read 7, loaded 6, quarantined 0" in capsys.readouterr().err
    assert _stored_report() == [("jaffle_oltp", "employees", "aborted", 6, 7, 0, False)]
    assert _last_run()["status"] == "failed"


def test_an_unknown_source_is_a_clear_error(data_dir: Path, capsys) -> None:
    assert main(["el", "--source", "nope"]) == 1
    assert "unknown source 'nope'; known sources:" in capsys.readouterr().err


def test_a_source_missing_its_configuration_fails_with_what_to_set(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """Not the demo (a URL for the API): the operational database must be configured, and it is not."""
    monkeypatch.delenv("SOURCES__JAFFLE_OLTP__CREDENTIALS", raising=False)
    assert main(["el", "--api", "http://127.0.0.1:9/api", "--source", "jaffle_oltp"]) == 1
    error = capsys.readouterr().err
    assert "FAILED: extract-load of jaffle_oltp cannot start: its configuration is incomplete" in error
    assert "SOURCES__JAFFLE_OLTP__CREDENTIALS" in error and "Traceback" not in error
    assert _last_run()["status"] == "failed"


def test_an_http_error_shows_the_servers_explanation(data_dir: Path, httpserver, capsys) -> None:
    explanation = "Invalid value for 'page_size'. It should be between 1 and 50."
    httpserver.expect_request("/api/v1/customers").respond_with_json({"detail": explanation}, status=422)
    assert main(["el", "--api", httpserver.url_for("/api/v1"), "--source", "jaffle_api"]) == 1
    error = capsys.readouterr().err
    assert "FAILED: extract-load of jaffle_api failed at dlt's extract step" in error
    assert "422" in error and explanation in error, error
