"""Every query and figure function of the dashboard, on both engines, against a small demo run (no browser)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import pages, queries, run_history, static_figures
from dashboard.app import render
from dashboard.export import all_figures
from warehouse.connection import connect, fetch_all

pytestmark = pytest.mark.slow


def published_value(sql: str) -> float:
    """One number straight from the published schema, as the pipeline sees it."""
    with connect(read_only=False) as connection:
        return float(fetch_all(connection, sql)[0][0])


def test_business_numbers_equal_the_published_marts(dashboard_env: dict) -> None:
    total = queries.totals()
    assert total["revenue"] == pytest.approx(published_value("select sum(order_total) from published.orders"))
    assert total["orders"] == published_value("select count(*) from published.orders")
    assert total["average_order_value"] == pytest.approx(total["revenue"] / total["orders"])
    sales = queries.daily_sales()
    assert sum(s["revenue"] for s in sales) == pytest.approx(total["revenue"])
    mix = queries.customer_mix()
    assert {m["customers"] for m in mix} == {"new", "returning"}
    assert sum(m["orders"] for m in mix) == total["orders"]
    assert sum(m["orders"] for m in mix if m["customers"] == "new") == published_value(
        "select count(*) from published.customers where count_lifetime_orders > 0"
    )
    products = queries.top_products()
    assert products and products == sorted(products, key=lambda p: -p["revenue"])


def test_filters_are_bound_parameters(dashboard_env: dict) -> None:
    stores = queries.stores()
    dates = queries.order_dates()
    store = stores[0]["location_id"]
    one = queries.totals(store, dates["first"], dates["last"])
    assert 0 < one["revenue"] < queries.totals()["revenue"]
    assert sum(queries.totals(s["location_id"])["revenue"] for s in stores) == pytest.approx(
        queries.totals()["revenue"]
    )
    hostile = "x' or '1'='1"
    assert queries.totals(hostile)["orders"] == 0
    assert queries.daily_sales(hostile) == [] and queries.top_products(hostile) == []
    assert queries.totals(None, dates["last"], dates["last"])["orders"] >= 0
    assert {s["store"] for s in queries.daily_sales(store)} == {stores[0]["location_name"]}


def test_run_and_check_history(dashboard_env: dict) -> None:
    runs = run_history.run_rows()
    assert len(runs) == 1 and runs[0]["status"] == "ok" and runs[0]["failed_step"] == ""
    assert all(runs[0][stage] > 0 for stage in ("extract", "load", "dbt", "checks", "publish"))
    loads = queries.table_loads()
    assert {row["run_id"] for row in loads} == {runs[0]["run_id"]}
    assert {"orders", "customers"} <= {row["table_name"] for row in loads}
    results = queries.check_results()
    assert results and {r["stage"] for r in results} == {"raw", "marts"}
    suites = queries.suite_results()
    assert sum(s["evaluated"] for s in suites) == sum(r["kind"] == "expectation" for r in results)
    assert run_history.blocked_expectations() == []
    fresh = queries.freshness()
    assert {f["kind"] for f in fresh} == {"source", "published table"}
    assert all(f["status"] == "ok" for f in fresh) and "orders" in {f["name"] for f in fresh}


def test_a_failed_run_shows_its_failing_step(dashboard_env: dict, tmp_path: Path) -> None:
    record = {"run_id": "x", "status": "failed", "steps": [
        {"name": "check_marts", "status": "failed", "seconds": 1.5, "error": "StepFailed: the marts gate failed",
         "detail": {"suites": [{"name": "marts__orders", "observations": [
             {"expectation": "expect_x", "severity": "critical", "passed": False, "observed": {"n": 3}}]}]}}]}  # fmt: skip
    assert run_history.failing_step(record) == {"step": "check_marts", "error": record["steps"][0]["error"]}
    assert run_history.stage_seconds(record)["checks"] == 1.5


def test_every_figure_and_page_builds_and_exports_to_png(dashboard_env: dict, tmp_path: Path) -> None:
    built = all_figures()
    for name, figure in built.items():
        assert figure.data, name
    for path in static_figures.export_all(built, tmp_path):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for path in pages.PAGES:
        content, idle = render(path)
        assert idle and "message" not in str(content), path


def test_no_runs_yet_is_a_clear_state(dashboard_env: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    if dashboard_env["WAREHOUSE"] == "postgres":
        pytest.skip("an empty Postgres warehouse is covered by the DuckDB case's pages; see test_browser")
    monkeypatch.setenv("PROJECT__DATA_DIR", str(tmp_path / "empty"))
    for path in pages.PAGES:
        content, _ = render(path)
        assert "No runs yet: run `make demo`." in str(content), path


def test_a_busy_warehouse_says_so_and_recovers(dashboard_env: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard import reader
    from engines import EngineUnavailable

    real = reader.read_sql
    busy = {"left": 1}

    def sometimes_busy(*args, **kwargs):
        """Busy once, then the real reader."""
        if busy["left"]:
            busy["left"] -= 1
            raise EngineUnavailable("busy")
        return real(*args, **kwargs)

    monkeypatch.setattr(reader, "read_sql", sometimes_busy)
    content, idle = render("/business")
    assert "The warehouse is busy; this page retries by itself." in str(content) and not idle
    content, idle = render("/business")
    assert idle and "message" not in str(content)


def test_a_failed_run_and_its_blocked_publish_are_shown(
    dashboard_env: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    import shutil

    import settings

    folder = tmp_path / "data"
    (folder / "runs").mkdir(parents=True)
    for record in run_history.run_files():
        shutil.copy(record, folder / "runs")
    if dashboard_env["WAREHOUSE"] == "duckdb":
        shutil.copy(settings.published_snapshot_path(), folder / "published.duckdb")
    failed = {
        "run_id": "29991231T000000-failed", "warehouse": dashboard_env["WAREHOUSE"], "status": "failed",
        "started_at": "2999-12-31T00:00:00+00:00", "steps": [{
            "name": "check_marts", "status": "failed", "seconds": 1.0, "error": "StepFailed: the marts gate failed",
            "detail": {"suites": [{"name": "marts__orders", "observations": [{
                "expectation": "expect_order_totals_to_add_up", "severity": "critical", "passed": False,
                "observed": {"unexpected_count": 3}}]}]}}],
    }  # fmt: skip
    (folder / "runs" / f"{failed['run_id']}.json").write_text(json.dumps(failed))
    monkeypatch.setenv("PROJECT__DATA_DIR", str(folder))
    runs_page, _ = render("/")
    assert "StepFailed: the marts gate failed" in str(runs_page) and "check_marts" in str(runs_page)
    quality, _ = render("/quality")
    assert "expect_order_totals_to_add_up" in str(quality) and "unexpected_count" in str(quality)


def test_freshness_thresholds_come_from_the_sources_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The dashboard's warn/error hours are the ones ``dbt source freshness`` reads: change the YAML, they follow."""
    from warehouse import dbt_sources

    assert queries.freshness_thresholds()["jaffle_api"] == (36.0, 72.0)
    staging = tmp_path / "staging"
    for source in ("jaffle_api", "jaffle_files"):
        original = dbt_sources.sources_file(source).read_text()
        target = dbt_sources.sources_file(source, staging)
        target.parent.mkdir(parents=True)
        target.write_text(original.replace("count: 36, period: hour", "count: 90, period: minute"))
    real = dbt_sources.freshness_hours
    monkeypatch.setattr(queries, "declared_sources", lambda: dbt_sources.declared_sources(staging))
    monkeypatch.setattr(queries, "freshness_hours", lambda source: real(source, staging))
    assert queries.freshness_thresholds() == {"jaffle_api": (1.5, 72.0), "jaffle_files": (1.5, 72.0)}
    assert queries._strictest(queries.freshness_thresholds()) == (1.5, 72.0)
    assert queries._status(2.0, 1.5, 72.0) == "warn" and queries._status(80.0, 1.5, 72.0) == "error"
