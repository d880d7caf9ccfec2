"""Gate results as offline HTML: one page per run under data/reports, and the pieces the docs report reuses.

Each report opens with a summary (the failures first, then counts per stage and per suite), then the details.

Every page is self-contained (inline CSS, no script, no external link) and every value is HTML-escaped.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any

import settings

LATEST = "latest.html"
HEADER = ("expectation", "severity", "verdict", "observed", "sample failing values")
STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}th{background:#f3f3f3}"
    "td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-size:.9em;vertical-align:top}"
    "td{max-width:40em;overflow-wrap:anywhere}"
    ".passed,.pass,.success{color:#17692e}.failed,.fail,.error{color:#b00020;font-weight:bold}"
    ".warning{color:#8a5a00;font-weight:bold}code{font-size:.85em}ul.samples{margin:0;padding-left:1.2em}"
)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def verdict(passed: bool) -> str:
    """How a suite or gate ended, as shown."""
    return "passed" if passed else "FAILED"


def suite_anchor(suite_name: str) -> str:
    """The report's anchor of one suite."""
    return f"suite-{suite_name}"


def cell(value: Any, css: str | None = None) -> str:
    """One escaped table cell (non-text values as JSON)."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    attribute = f' class="{css}"' if css else ""
    return f"<td{attribute}>{html.escape(text)}</td>"


def badge(passed: bool) -> str:
    """A coloured verdict."""
    return f'<span class="{verdict(passed).lower()}">{verdict(passed)}</span>'


def samples_html(observed: dict[str, Any]) -> str:
    """The sample failing values as an escaped list cell (empty when there are none)."""
    from .history import samples

    values = samples(observed)
    if not values:
        return "<td></td>"
    items = "".join(
        f"<li><code>{html.escape(v if isinstance(v, str) else json.dumps(v))}</code></li>" for v in values
    )
    return f'<td><ul class="samples">{items}</ul></td>'


def _described(failure: dict[str, Any]) -> str:
    """A stored failure's description, as the observations name it."""
    from .result import FailedExpectation  # imports GX: only when a gate is rendered

    try:
        return FailedExpectation(**failure).describe()
    except TypeError:
        return str(failure.get("expectation", "?"))


def _status(passed: bool, failure: dict[str, Any] | None) -> tuple[str, str]:
    """The shown verdict of one expectation and its CSS class."""
    if passed:
        return "passed", "passed"
    if failure and failure.get("error"):
        return "error", "error"
    if failure and failure.get("severity") == "warning":
        return "failed (warning)", "warning"
    return "failed", "failed"


def expectation_rows(suite: dict[str, Any]) -> list[str]:
    """One row per evaluated expectation, failures joined in with their full observed values and samples."""
    failures = {_described(failure): failure for failure in suite.get("failures", [])}
    rows = []
    for observation in suite.get("observations", []):
        failure = failures.pop(observation["expectation"], None)
        observed = dict(failure["observed"]) if failure else dict(observation.get("observed") or {})
        label, css = _status(bool(observation["passed"]), failure)
        severity = failure["severity"] if failure else observation.get("severity", "")
        shown = {key: value for key, value in observed.items() if key != "partial_unexpected_list"}
        if failure and failure.get("error"):
            shown["error"] = failure["error"]
        rows.append(
            f"<tr>{cell(observation['expectation'])}{cell(severity)}{cell(label, css)}"
            f"{cell(shown)}{samples_html(observed)}</tr>"
        )
    for described, failure in failures.items():  # failures without an observation (older records)
        label, css = _status(False, failure)
        detail = failure.get("error") or failure.get("observed") or {}
        rows.append(
            f"<tr>{cell(described)}{cell(failure.get('severity', ''))}{cell(label, css)}{cell(detail)}"
            f"{samples_html(failure.get('observed') or {})}</tr>"
        )
    return rows


def suite_html(suite: dict[str, Any]) -> list[str]:
    """One suite: its verdict, why it blocks, then every expectation with observed and sample values."""
    rows = "?" if suite.get("row_count") is None else f"{suite['row_count']:,}"
    parts = [
        f'<h3 id="{html.escape(suite_anchor(suite["name"]))}">{html.escape(suite["name"])} '
        f"{badge(suite['passed'])}</h3>",
        f"<p>{html.escape(suite['table'])}: {rows} rows, {suite['evaluated']} evaluated, "
        f"{len(suite['failures'])} failed</p>",
    ]
    parts += [f'<p class="failed">problem: {html.escape(reason)}</p>' for reason in suite.get("reasons", [])]
    rows = expectation_rows(suite)
    if not rows:
        return [*parts, "<p>No expectation was evaluated.</p>"]
    header = "".join(f"<th>{name}</th>" for name in HEADER)
    return [*parts, f"<table><tr>{header}</tr>", *rows, "</table>"]


def gate_html(gate: dict[str, Any], run: str = "") -> list[str]:
    """One gate: its verdict and counts, errors, then every suite."""
    stage = html.escape(gate["stage"])
    parts = [
        f'<h2 id="gate-{stage}">{stage} gate {badge(gate["passed"])}</h2>',
        f"<p>{run}{html.escape(gate.get('target') or gate.get('warehouse') or 'warehouse unknown')}: "
        f"{len(gate['suites'])} suites, {gate['evaluated']} expectations, "
        f"{gate['failed_critical']} blocking failures, {gate['failed_warning']} warnings</p>",
    ]
    parts += [f'<p class="failed">ERROR {html.escape(error)}</p>' for error in gate["errors"]]
    if not gate["suites"] and not gate["errors"]:
        parts.append('<p class="failed">ERROR no suite was run</p>')
    for suite in gate["suites"]:
        parts += suite_html(suite)
    return parts


def suite_counts(suite: dict[str, Any]) -> dict[str, int]:
    """Expectations evaluated, passed and failed (errors included) in one suite, and the rows it checked."""
    observations = suite.get("observations") or []
    if observations:
        failed = sum(not observation["passed"] for observation in observations)
        passed = len(observations) - failed
    else:  # older records: failures only
        failed = len(suite.get("failures", []))
        passed = max(suite["evaluated"] - failed, 0)
    return {
        "evaluated": suite["evaluated"],
        "passed": passed,
        "failed": failed,
        "rows": suite.get("row_count") or 0,
    }


def _summary_row(cells: list[Any], passed: bool, anchor: str | None = None) -> str:
    """One summary row: a name (a link when ``anchor`` is given), a verdict, then the counts."""
    name = html.escape(str(cells[0]))
    if anchor:
        name = f'<a href="#{html.escape(anchor)}">{name}</a>'
    counts = "".join(cell(f"{value:,}" if isinstance(value, int) else value) for value in cells[1:])
    return f"<tr><td>{name}</td><td>{badge(passed)}</td>{counts}</tr>"


def _failure_items(gate: dict[str, Any]) -> list[str]:
    """Every reason a gate or one of its suites did not pass, as list items linking to the suite."""
    stage = html.escape(gate["stage"])
    items = [f'<li class="failed">{stage} gate: ERROR {html.escape(error)}</li>' for error in gate["errors"]]
    if not gate["suites"] and not gate["errors"]:
        items.append(f'<li class="failed">{stage} gate: ERROR no suite was run</li>')
    for suite in gate["suites"]:
        link = f'<a href="#{html.escape(suite_anchor(suite["name"]))}">{html.escape(suite["name"])}</a>'
        failures = {_described(failure): failure for failure in suite.get("failures", [])}
        for reason in suite.get("reasons", []):
            items.append(f'<li class="failed">{stage} gate, {link}: problem: {html.escape(reason)}</li>')
        for described, failure in failures.items():
            label, css = _status(False, failure)
            items.append(
                f'<li class="{css}">{stage} gate, {link}: {label}: <code>{html.escape(described)}</code></li>'
            )
    return items


def summary_html(gates: list[dict[str, Any]]) -> list[str]:
    """The summary that opens a report: the failures first, then counts per stage and per suite."""
    parts = ['<h2 id="summary">Summary</h2>']
    failures = [item for gate in gates for item in _failure_items(gate)]
    if failures:
        parts += [f"<h3>Failures ({len(failures)})</h3>", '<ul class="failures">', *failures, "</ul>"]
    elif gates:
        parts.append('<p class="passed">No expectation failed.</p>')
    header = (
        "<th>{}</th><th>verdict</th><th>evaluated</th><th>passed</th><th>failed</th><th>rows checked</th>"
    )
    stage_rows, suite_rows = [], []
    for gate in gates:
        counts = [suite_counts(suite) for suite in gate["suites"]]
        totals = [sum(count[key] for count in counts) for key in ("evaluated", "passed", "failed", "rows")]
        stage_rows.append(_summary_row([gate["stage"], *totals], gate["passed"], f"gate-{gate['stage']}"))
        for suite, count in zip(gate["suites"], counts, strict=True):
            rows = "?" if suite.get("row_count") is None else count["rows"]
            values = [suite["name"], count["evaluated"], count["passed"], count["failed"], rows]
            row = _summary_row(values, suite["passed"], suite_anchor(suite["name"]))
            suite_rows.append((suite["passed"], not count["failed"], row))
    if gates:
        parts += [f"<table><tr>{header.format('stage')}</tr>", *stage_rows, "</table>"]
        ordered = [row for *_, row in sorted(suite_rows, key=lambda entry: entry[:2])]  # failing suites first
        parts += [f"<table><tr>{header.format('suite')}</tr>", *ordered, "</table>"]
    return parts


def page(title: str, body: list[str]) -> str:
    """A whole offline page around the body parts."""
    head = f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
    return "\n".join([f"{head}<style>{STYLE}</style></head><body>", *body, "</body></html>"])


def run_report_html(run_id: str, warehouse: str, started_at: str, gates: list[dict[str, Any]]) -> str:
    """The report of one run: every gate that ran in it, in order."""
    passed = bool(gates) and all(gate["passed"] for gate in gates)
    body = [
        f"<h1>Data quality of run {html.escape(run_id)} {badge(passed)}</h1>",
        f"<p>warehouse {html.escape(warehouse)}, started {html.escape(started_at)}; "
        f"results also in {html.escape(settings.REPORTS_DATASET)}.check_results</p>",
        *summary_html(gates),
    ]
    for gate in gates:
        body += gate_html(gate)
    if not gates:
        body.append("<p>No gate ran in this run.</p>")
    return page(f"Data quality: {run_id}", body)


def reports_dir() -> Path:
    """Where run reports are written: ``data/reports``."""
    return settings.data_dir() / "reports"


def report_path(run_id: str) -> Path:
    """The report file of one run (the id made safe for a file name)."""
    return reports_dir() / f"{_SAFE_NAME.sub('_', run_id)}.html"


def write_run_report(run_id: str, warehouse: str, started_at: str, gates: list[dict[str, Any]]) -> Path:
    """Write ``data/reports/<run_id>.html`` and ``latest.html`` (each replaced whole); return the first."""
    text = run_report_html(run_id, warehouse, started_at, gates)
    path = report_path(run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    for target in (path, path.parent / LATEST):
        partial = target.with_name(f".{target.name}.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
    return path
