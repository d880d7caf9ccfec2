"""The docs site: dbt's one-file page with data quality on every model and source, a report, a server.

After ``dbt docs generate --static``, ``static_index.html`` is rebuilt from dbt's template (target/index.html)
with a copy of the manifest whose descriptions end with a "Data quality" section: the latest gate verdict
(run records under data/runs) and the last ``dbt build``'s test results. dbt's own files stay as written.
"""

from __future__ import annotations

import html
import json
import logging
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import settings
from engines import current_engine
from expectations.report import STYLE, cell, gate_html, suite_anchor, summary_html, verdict

log = logging.getLogger(__name__)

PAGE = "static_index.html"
REPORT = "data_quality.html"
# ``docs generate`` overwrites run_results.json, so the last build's results are kept aside under this name.
TEST_RESULTS = "data_quality_dbt_tests.json"
# dbt's page loads this tracker (only when usage stats are on); removed so the page can never call out.
TRACKER = "//d1fc8wv8zag5ca.cloudfront.net/2.9.0/sp.js"
STAGES = ("raw", "staging", "marts")
Gates = dict[str, dict[str, Any]]
Tests = dict[str, list[dict[str, Any]]]


def keep_test_results(target: Path) -> None:
    """Keep run_results.json of a ``dbt build``/``dbt test`` aside (``docs generate`` overwrites it)."""
    results = target / "run_results.json"
    if results.exists() and json.loads(results.read_text()).get("args", {}).get("which") in ("build", "test"):
        shutil.copyfile(results, target / TEST_RESULTS)


def latest_gates(warehouse: str) -> Gates:
    """The latest gate result per stage in this warehouse's run records, with its run id and start time."""
    gates: Gates = {}
    for path in sorted((settings.data_dir() / "runs").glob("*.json")):  # run ids start with their UTC time
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            log.warning("skipping unreadable run record %s", path)
            continue
        if record.get("warehouse") != warehouse:
            continue
        run = {"run_id": record["run_id"], "run_at": record["started_at"]}
        for step in record.get("steps", []):
            detail = step.get("detail") or {}
            if step.get("name", "").startswith("check_") and "suites" in detail:
                gates[detail["stage"]] = detail | run
    return gates


def dbt_test_results(target: Path, manifest: dict[str, Any]) -> tuple[str | None, Tests]:
    """When the last build ran, and its data and unit test results per tested node."""
    path = target / TEST_RESULTS
    if not path.exists():
        return None, {}
    run = json.loads(path.read_text())
    tests: Tests = {}
    for result in run.get("results", []):
        uid = result["unique_id"]
        test = manifest["nodes"].get(uid) or manifest.get("unit_tests", {}).get(uid)
        if not test or test.get("resource_type") not in ("test", "unit_test"):
            continue
        tested = test.get("attached_node") or next(iter(test["depends_on"]["nodes"]), None)
        if tested:
            kind = "unit test" if test["resource_type"] == "unit_test" else "data test"
            row = {"name": test["name"], "kind": kind, "status": result["status"]}
            tests.setdefault(tested, []).append(row | {"failures": result["failures"] or 0})
    return run.get("metadata", {}).get("generated_at"), tests


def relation_of(node: dict[str, Any]) -> str:
    """``schema.table`` of a model or source, as the gates name the tables they check."""
    name = node.get("alias") or node.get("identifier") or node["name"]
    return f"{node['schema']}.{name}".lower()


def quality_markdown(gate: dict | None, suite: dict | None, tested_at: str | None, tests: list[dict]) -> str:
    """The "Data quality" section appended to one node's description."""
    lines = ["", "", "### Data quality", ""]
    if gate and suite:
        rows = "?" if suite["row_count"] is None else f"{suite['row_count']:,}"
        lines.append(
            f"**Great Expectations**: suite `{suite['name']}` of the {gate['stage']} gate "
            f"**{verdict(suite['passed'])}**: "
            f"{suite['evaluated']} expectations evaluated, {len(suite['failures'])} failed, {rows} rows; "
            f"run `{gate['run_id']}` started {gate['run_at']}."
        )
        lines += [f"- {reason}" for reason in suite["reasons"]]
    else:
        lines.append("**Great Expectations**: no gate suite checks this relation.")
    lines.append("")
    if tests:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(Counter(t["status"] for t in tests).items()))
        lines += [f"**dbt tests** of the last `dbt build` ({tested_at}): {counts}.", ""]
        lines += ["| test | kind | status | failures |", "|---|---|---|---|"]
        lines += [f"| `{t['name']}` | {t['kind']} | {t['status']} | {t['failures']} |" for t in tests]
    else:
        lines.append("**dbt tests**: no result for this node in the last `dbt build`.")
    anchor = suite_anchor(suite["name"]) if suite else "dbt-tests"
    return "\n".join([*lines, "", f"[Full data-quality report]({REPORT}#{anchor})"])


def overview_markdown(gates: Gates, tested_at: str | None, tests: Tests) -> str:
    """A short data-quality summary for the overview page."""
    lines = ["", "", "### Data quality", ""]
    for stage in (stage for stage in STAGES if stage in gates):
        gate = gates[stage]
        lines.append(
            f"- {stage} gate **{verdict(gate['passed'])}**: {len(gate['suites'])} suites, "
            f"{gate['evaluated']} expectations, {gate['failed_critical']} blocking failures "
            f"(run `{gate['run_id']}`, {gate['run_at']})"
        )
    if not gates:
        lines.append("- no gate has run on this warehouse yet")
    results = [t["status"] for node in tests.values() for t in node]
    failed = sum(status in ("fail", "error") for status in results)
    lines.append(
        f"- dbt tests of the last build ({tested_at}): {len(results)} results, {failed} failed or errored"
    )
    return "\n".join([*lines, "", f"[Full data-quality report]({REPORT})"])


def annotate(manifest: dict[str, Any], gates: Gates, tested_at: str | None, tests: Tests) -> None:
    """Append the data-quality section to each model and source description, and a summary to the overview."""
    suites = {s["table"].lower(): (gate, s) for gate in gates.values() for s in gate.get("suites", [])}
    nodes = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    for node in [*nodes, *manifest["sources"].values()]:
        gate, suite = suites.get(relation_of(node), (None, None))
        node["description"] = (node.get("description") or "") + quality_markdown(
            gate, suite, tested_at, tests.get(node["unique_id"], [])
        )
    for key, doc in manifest.get("docs", {}).items():
        if key.endswith(".__overview__"):
            doc["block_contents"] += overview_markdown(gates, tested_at, tests)


def script_json(data: Any) -> str:
    """JSON that is safe inside an inline ``<script>`` (no ``</script>`` can close it early)."""
    return json.dumps(data).replace("</", "<\\/")


def write_page(target: Path, manifest: dict[str, Any]) -> Path:
    """Rebuild ``static_index.html`` from dbt's template with the annotated manifest, never calling out."""
    manifest["metadata"]["send_anonymous_usage_stats"] = False
    catalog = json.loads((target / "catalog.json").read_text())
    template = (target / "index.html").read_text().replace(TRACKER, "")
    page = template.replace('"MANIFEST.JSON INLINE DATA"', script_json(manifest), 1)
    page = page.replace('"CATALOG.JSON INLINE DATA"', script_json(catalog), 1)
    (target / PAGE).write_text(page)
    return target / PAGE


def report_html(gates: Gates, tested_at: str | None, tests: Tests) -> str:
    """The whole data-quality report as one offline HTML page (inline CSS, no script, no external link)."""
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>Data quality</title><style>{STYLE}</style>"
    ]
    parts.append(f"</head><body><p><a href='{PAGE}'>back to the docs</a></p><h1>Data quality</h1>")
    parts += summary_html([gates[stage] for stage in STAGES if stage in gates])
    for stage in (stage for stage in STAGES if stage in gates):
        gate = gates[stage]
        run = f"run {html.escape(gate['run_id'])} started {html.escape(gate['run_at'])} on "
        parts += gate_html(gate, run)
    if not gates:
        parts.append("<p>No gate has run on this warehouse yet.</p>")
    parts.append(
        f'<h2 id="dbt-tests">dbt tests of the last build ({html.escape(tested_at or "none found")})</h2>'
    )
    parts.append("<table><tr><th>node</th><th>test</th><th>kind</th><th>status</th><th>failures</th></tr>")
    for node, rows in sorted(tests.items()):
        for t in rows:
            cells = f"{cell(node)}{cell(t['name'])}{cell(t['kind'])}"
            parts.append(f'<tr>{cells}<td class="{t["status"]}">{t["status"]}</td>{cell(t["failures"])}</tr>')
    return "\n".join([*parts, "</table></body></html>"])


def add_data_quality(target: Path) -> Path:
    """Write the report and rebuild the static page with data quality on every node; return the page."""
    manifest = json.loads((target / "manifest.json").read_text())
    gates = latest_gates(current_engine().name)
    tested_at, tests = dbt_test_results(target, manifest)
    (target / REPORT).write_text(report_html(gates, tested_at, tests))
    annotate(manifest, gates, tested_at, tests)
    return write_page(target, manifest)


class _Handler(SimpleHTTPRequestHandler):
    """Static files of the target folder; ``/`` opens the one-file docs page."""

    def send_head(self) -> Any:
        """Send ``/`` (GET or HEAD) to the docs page, anything else as a file."""
        if self.path != "/":
            return super().send_head()
        self.send_response(302)
        self.send_header("Location", f"/{PAGE}")
        self.end_headers()
        return None

    def log_message(self, format: str, *args: Any) -> None:
        """Requests go to the debug log, not the terminal."""
        log.debug(format, *args)


@contextmanager
def serving(target: Path, port: int = 0) -> Iterator[str]:
    """Serve the target folder on 127.0.0.1 in a thread (port 0: any free port); yield the page's URL."""
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(_Handler, directory=str(target)))
    thread = threading.Thread(target=server.serve_forever, name="docs-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{PAGE}"
    finally:
        server.shutdown()
        server.server_close()


def serve(target: Path, port: int) -> None:
    """Serve the docs on loopback until interrupted."""
    with serving(target, port) as url:
        print(f"serving the docs on {url} (Ctrl-C to stop)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("docs server stopped")
