"""`make docs`: one offline page with data quality on every node, rendered in headless Chromium offline.

A small demo warehouse is built in a temporary data folder and dbt target, then ``jaffle docs`` (what
``make docs-build`` runs). On DuckDB the site is served on loopback and opened in Debian's Chromium with every
non-loopback request blocked; on Postgres the build and the page's contents are checked without a browser.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from headless_chromium import offline_context, require_chromium

import settings
from warehouse import docs_site
from warehouse.cli import main

pytestmark = pytest.mark.slow

MODEL = "model.jaffle_warehouse.orders"
SOURCE = "source.jaffle_warehouse.jaffle_api.orders"
# A URL in an attribute or a CSS url() that leaves the machine (``//host`` or ``http(s)://``, not loopback).
LEAVES = r"""(?:https?:)?//(?!(?:127\.0\.0\.1|localhost|\[::1\])[:/"'])"""
EXTERNAL_REFERENCE = re.compile(rf"""(?:src|href)\s*=\s*["']{LEAVES}|url\(\s*["']?{LEAVES}""", re.I)
HUMAN_SCREENSHOTS = settings.DBT_PROJECT_DIR / "target" / "docs_screenshots"


def _build_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the demo at a small scale, then ``jaffle docs``; return dbt's target folder (the test's own)."""
    target = tmp_path / "dbt_target"
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    assert main(["demo", "--scale", "0.02"]) == 0
    assert main(["docs"]) == 0
    return target


def _check_page_contents(target: Path) -> dict[str, Any]:
    """The static page embeds the catalog and the annotated manifest and references nothing external."""
    page = (target / docs_site.PAGE).read_text()
    catalog = json.loads((target / "catalog.json").read_text())
    assert catalog["nodes"][MODEL]["columns"], "the catalog was built against the warehouse"
    assert docs_site.script_json(catalog) in page, "catalog.json is inlined"
    assert "INLINE DATA" not in page and docs_site.TRACKER not in page
    assert '"send_anonymous_usage_stats": false' in page
    assert "### Data quality" in page and "marts__orders" in page and "raw_jaffle_api__orders" in page
    report = (target / docs_site.REPORT).read_text()
    assert 'id="suite-marts__orders"' in report and 'id="suite-raw_jaffle_api__orders"' in report
    # The report opens with its summary: the demo's gates passed, every suite counted before the details.
    summary = report[report.index('<h2 id="summary">') : report.index('<h2 id="gate-')]
    assert (
        "No expectation failed." in summary and '<a href="#suite-marts__orders">marts__orders</a>' in summary
    )
    for html in (page, report):
        assert not EXTERNAL_REFERENCE.search(html), EXTERNAL_REFERENCE.search(html)
    manifest = json.loads((target / "manifest.json").read_text())
    assert "### Data quality" not in manifest["nodes"][MODEL]["description"], (
        "dbt's manifest.json is untouched"
    )
    return manifest["nodes"][MODEL]


def _canvas_pixels(page: Any) -> int:
    """Painted pixels on the lineage graph's node layer."""
    return page.evaluate(
        """() => { const c = document.querySelector('#cy canvas[data-id="layer2-node"]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"""
    )


def shown(page: Any, text: str, exact: bool = False) -> Any:
    """The first visible element with this text (dbt's page also holds hidden search results)."""
    return page.get_by_text(text, exact=exact).filter(visible=True).first


def _browse(url: str, model: dict[str, Any], shots: Path) -> list[str]:
    """Open the overview, a model, a source, the report and the lineage graph; return the blocked requests."""
    from playwright.sync_api import expect

    with offline_context() as (context, traffic):
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url.rsplit("/", 1)[0] + "/")  # the server sends / to the docs page
        # The project's own overview (models/overview.md), not dbt's generic welcome page.
        expect(page.get_by_role("heading", name="The jaffle warehouse")).to_be_visible()
        expect(page.get_by_role("heading", name="Reading the lineage")).to_be_visible()
        expect(page.get_by_text("auto-generated documentation")).to_have_count(0)
        summary = page.get_by_role("heading", name="Data quality")
        expect(summary).to_be_visible()
        summary.scroll_into_view_if_needed()
        page.screenshot(path=shots / "overview.png")

        page.goto(f"{url}#!/model/{MODEL}")
        expect(page.locator("h1").filter(visible=True).first).to_contain_text("orders")
        expect(shown(page, model["description"].split(",")[0])).to_be_visible()
        for column in model["columns"]:
            expect(shown(page, column, exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name="Data quality")).to_be_visible()
        expect(shown(page, "suite marts__orders of the marts gate passed")).to_be_visible()
        expect(shown(page, "unique_orders_order_id")).to_be_visible()
        page.screenshot(path=shots / "model_orders.png", full_page=True)

        page.get_by_role("link", name="Full data-quality report").click()
        page.wait_for_url("**/data_quality.html#suite-marts__orders")
        expect(page.get_by_role("heading", name="marts__orders")).to_be_visible()
        page.screenshot(path=shots / "data_quality_report.png")

        page.goto(f"{url}#!/source/{SOURCE}")
        expect(shown(page, "suite raw_jaffle_api__orders of the raw gate")).to_be_visible()
        page.screenshot(path=shots / "source_orders.png", full_page=True)

        graph = context.new_page()
        graph.on("pageerror", lambda error: errors.append(str(error)))
        graph.goto(f"{url}#!/model/{MODEL}")
        graph.locator(".launcher-btn").click()
        expect(graph.locator('#cy canvas[data-id="layer2-node"]')).to_be_visible()
        graph.get_by_title("View Fullscreen").first.click()
        graph.wait_for_timeout(1500)  # the layout animates into place
        nodes = graph.evaluate("() => document.getElementById('cy')._cyreg.cy.nodes().map(n => n.id())")
        assert {MODEL, "model.jaffle_warehouse.stg_jaffle_api__orders", SOURCE} <= set(nodes)
        assert _canvas_pixels(graph) > 1000, "the graph's nodes are painted"
        graph.screenshot(path=shots / "lineage_graph.png")

        assert not errors, errors
        assert all(request.startswith(("http://127.0.0.1", "data:")) for request in traffic.requested)
        blocked = list(traffic.blocked)
        # The net is live: a request leaving loopback is aborted and recorded.
        assert not page.evaluate("() => fetch('https://example.com/').then(() => true, () => false)")
        assert traffic.blocked[-1] == "https://example.com/"
    return blocked


def test_docs_site(warehouse: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Build the docs for a real warehouse; on DuckDB, render them offline and screenshot them."""
    target = _build_site(tmp_path, monkeypatch)
    model = _check_page_contents(target)
    if warehouse == "postgres":
        return
    require_chromium()
    shots = tmp_path / "docs_screenshots"
    shots.mkdir()
    with docs_site.serving(target) as url:
        blocked = _browse(url, model, shots)
    shutil.copytree(shots, HUMAN_SCREENSHOTS, dirs_exist_ok=True)
    print(f"screenshots: {shots} (copied to {HUMAN_SCREENSHOTS})")
    assert blocked == [], f"the docs tried to leave loopback: {blocked}"
