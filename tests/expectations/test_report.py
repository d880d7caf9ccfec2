"""The per-run HTML report: every gate, suite and expectation with observed and sample values, offline."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from test_history import BREAK_MARTS, build_warehouse, execute_as_admin

from expectations import report
from expectations.result import FailedExpectation, GateResult, SuiteResult
from warehouse import steps
from warehouse.runs import RunRecord, StepFailed
from warehouse.summary import render_summary

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs"))
from headless_chromium import offline_context, require_chromium  # noqa: E402

SCRIPTED = "<script>alert(1)</script>"


def crafted_gates() -> list[dict[str, Any]]:
    """A passing raw gate and a failing marts gate with a sample list that tries to inject markup."""
    ok = SuiteResult(name="raw_jaffle_api__orders", table="raw_jaffle_api.orders", evaluated=1, row_count=3)
    ok.observations.append({"expectation": "row count", "passed": True, "observed": {"observed_value": 3}})
    samples = [SCRIPTED, "x" * 500, *(f"bad-{n}" for n in range(30))]
    failure = FailedExpectation("expect_column_values_to_be_in_set", "critical", {"column": "product_type"})
    failure.observed = {"unexpected_count": 32, "partial_unexpected_list": samples}
    bad = SuiteResult(name="marts__products", table="marts.products", evaluated=1, row_count=2)
    bad.failures.append(failure)
    bad.observations.append({"expectation": failure.describe(), "passed": False, "observed": {}})
    empty = SuiteResult(name="marts__orders", table="marts.orders", row_count=0, problems=["table is empty"])
    return [
        GateResult("raw", "duckdb", suites=[ok]).to_dict(),
        GateResult("marts", suites=[bad, empty]).to_dict(),
    ]


def test_report_escapes_caps_samples_and_never_calls_out() -> None:
    """Every gate, suite, problem and sample shows; markup is escaped; no script, no external URL."""
    page = report.run_report_html("r1", "duckdb", "2026-01-01T00:00:00", crafted_gates())
    assert "<script" not in page and not re.search(r"(src|href)\s*=\s*['\"]?(https?:)?//", page)
    assert html.escape(SCRIPTED) in page and "x" * 300 not in page
    assert page.count("<li>") == 20 and "bad-17" in page and "bad-18" not in page
    for text in (
        "raw gate",
        "marts gate",
        "raw_jaffle_api__orders",
        "marts__products",
        "problem: table is empty",
    ):
        assert text in page
    assert "&quot;unexpected_count&quot;: 32" in page and "&quot;observed_value&quot;: 3" in page


def _summary(page: str) -> str:
    """The summary section of a report: from its heading to the first gate."""
    start = page.index('<h2 id="summary">')
    return page[start : page.index('<h2 id="gate-', start)]


def _suite_rows(summary: str) -> list[str]:
    """The suite names of the summary's per-suite table, in order."""
    table = summary[summary.index("<th>suite</th>") :]
    return re.findall(r'<tr><td><a href="#suite-([^"]+)">', table)


def test_summary_opens_the_report_with_failures_first() -> None:
    """The summary precedes every gate; failures are listed, then failing suites come before passing ones."""
    page = report.run_report_html("r1", "duckdb", "2026-01-01T00:00:00", crafted_gates())
    summary = _summary(page)
    assert page.index(summary) < page.index('<h2 id="gate-raw">')
    failures = re.findall(r'<li class="[a-z]+">(.*?)</li>', summary)
    assert failures == [
        'marts gate, <a href="#suite-marts__products">marts__products</a>: failed: '
        "<code>expect_column_values_to_be_in_set(column=product_type)</code>",
        'marts gate, <a href="#suite-marts__orders">marts__orders</a>: problem: table is empty',
    ]
    assert _suite_rows(summary) == ["marts__products", "marts__orders", "raw_jaffle_api__orders"]
    assert '<a href="#gate-marts">marts</a></td><td><span class="failed">FAILED</span></td>' in summary


def test_check_writes_the_run_report_with_every_expectation(
    warehouse: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failing marts gate writes data/reports/<run_id>.html (and latest.html) with observed and samples."""
    build_warehouse(monkeypatch)
    execute_as_admin(BREAK_MARTS)
    record = RunRecord()
    with pytest.raises(StepFailed, match="Report: .*reports") as failed:
        steps.check(record, "marts")
    path = report.report_path(record.run_id)
    assert str(path) in str(failed.value) and path.parent.name == "reports"
    page = path.read_text()
    assert (path.parent / report.LATEST).read_text() == page
    gate = record.steps[-1].detail
    for suite in gate["suites"]:
        assert f'id="suite-{suite["name"]}"' in page
        for observation in suite["observations"]:
            assert f"<td>{html.escape(observation['expectation'])}</td>" in page
    assert "<li><code>-1</code></li>" in page and "<li><code>pizza</code></li>" in page
    assert "problem: table is empty" in page and "&quot;unexpected_count&quot;: 1" in page
    assert f"Data-quality report: {path}" in render_summary(record)
    _assert_summary_reflects(page, gate)


def _assert_summary_reflects(page: str, gate: dict[str, Any]) -> None:
    """The report's summary shows this gate's own counts per suite, its failures, failing suites first."""
    summary = _summary(page)
    failing = [suite["name"] for suite in gate["suites"] if not suite["passed"]]
    assert failing and _suite_rows(summary)[: len(failing)] == failing
    failed_total = 0
    for suite in gate["suites"]:
        failed = sum(not observation["passed"] for observation in suite["observations"])
        evaluated, rows = suite["evaluated"], suite["row_count"]
        counts = f"<td>{evaluated:,}</td><td>{evaluated - failed:,}</td><td>{failed:,}</td><td>{rows:,}</td>"
        assert f'<a href="#suite-{suite["name"]}">{suite["name"]}</a></td>' in summary
        assert counts in summary.split(f'href="#suite-{suite["name"]}"')[-1].split("</tr>")[0]
        failed_total += failed
        for failure in suite["failures"]:
            assert html.escape(report._described(failure)) in summary
        for reason in suite["reasons"]:
            assert f"problem: {html.escape(reason)}" in summary
    assert failed_total > 0
    assert f"<h3>Failures ({failed_total + sum(len(s['reasons']) for s in gate['suites'])})</h3>" in summary


def test_report_renders_offline_in_chromium(data_dir: Path, tmp_path: Path) -> None:
    """Headless Chromium opens the report from file:// with networking blocked; a screenshot is kept."""
    require_chromium()
    from playwright.sync_api import expect

    path = report.write_run_report("r-browser", "duckdb", "2026-01-01T00:00:00", crafted_gates())
    shot = tmp_path / "report_screenshots" / "run_report.png"
    with offline_context() as (context, traffic):
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(path.as_uri())
        expect(page.locator("h1")).to_contain_text("Data quality of run r-browser")
        expect(page.locator("#suite-marts__products")).to_contain_text("FAILED")
        expect(page.locator("ul.samples li").first).to_have_text(SCRIPTED)
        assert page.locator("ul.samples li").count() == 20
        page.screenshot(path=shot, full_page=True)
    assert traffic.blocked == [] and all(url.startswith("file://") for url in traffic.requested)
    assert not dialogs and shot.stat().st_size > 0
    print(f"screenshot: {shot}")
