"""The dashboard in Debian's Chromium, offline: every page renders its graphs, shows the marts' numbers,
logs no error, and is saved as a screenshot (under the git-ignored reports/ folder)."""

from __future__ import annotations

import pytest
from app_process import running_dashboard
from headless_chromium import offline_context, require_chromium

import settings
from dashboard.pages import PAGES
from warehouse.connection import connect, fetch_all

pytestmark = pytest.mark.slow

GRAPHS = {"/": 2, "/quality": 1, "/freshness": 1, "/business": 3}
SCREENSHOTS = settings.PROJECT_ROOT / "reports" / "dashboard_screenshots"
# Given to the app as its Postgres password (the test server trusts loopback, so it is never checked).
CANARY = "dashboard-canary-4f1e9b"


def published_revenue() -> float:
    """The published revenue, read straight from the marts."""
    with connect() as connection:
        return float(fetch_all(connection, "select sum(revenue) from published.store_daily_revenue")[0][0])


def test_every_page_renders_in_a_real_browser(dashboard_env: dict) -> None:
    require_chromium()
    engine = dashboard_env["WAREHOUSE"]
    expected_revenue = f"${published_revenue():,.2f}"
    errors: list[str] = []
    payloads: list[str] = []
    environment = dashboard_env | {"DESTINATION__POSTGRES__CREDENTIALS__PASSWORD": CANARY}
    pages_html: list[str] = []
    with running_dashboard(environment) as url, offline_context() as (context, traffic):
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "response", lambda r: payloads.append(r.text()) if "_dash-update-component" in r.url else None
        )
        for path, title in PAGES.items():
            page.goto(url + path)
            page.wait_for_selector(f"#page-title:has-text('{title}')")
            page.wait_for_function(
                f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {GRAPHS[path]}"
            )
            if path == "/business":
                page.wait_for_selector("#total-revenue")
                assert page.inner_text("#total-revenue") == expected_revenue
            else:
                assert page.locator(".message").count() == 0, page.inner_text("#content")
            pages_html.append(page.content())
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = path.strip("/") or "runs"
            page.screenshot(path=str(SCREENSHOTS / f"{engine}_{name}.png"), full_page=True)
        page.goto(url + "/")
        page.wait_for_selector("#runs-table")
        assert "ok" in page.inner_text("#runs-table")
    assert errors == [], errors
    assert traffic.blocked == [], traffic.blocked
    assert payloads and not any(
        CANARY in text or "password" in text.lower() for text in payloads + pages_html
    )


def test_an_empty_warehouse_says_so(dashboard_env: dict, tmp_path) -> None:
    require_chromium()
    empty = dashboard_env | {"PROJECT__DATA_DIR": str(tmp_path / "empty")}
    if empty["WAREHOUSE"] == "postgres":
        empty["DESTINATION__POSTGRES__CREDENTIALS__DATABASE"] = "postgres"
    with running_dashboard(empty) as url, offline_context() as (context, _):
        page = context.new_page()
        for path in PAGES:
            page.goto(url + path)
            page.wait_for_selector("#empty-message")
            assert "No runs yet: run `make demo`." in page.inner_text("#empty-message")
