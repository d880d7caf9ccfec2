"""The four pages as Dash layouts: pipeline runs, data quality, freshness and business."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from . import figures, queries, run_history

PAGES = {
    "/": "Pipeline runs",
    "/quality": "Data quality",
    "/freshness": "Freshness",
    "/business": "Business",
}


def table(records: list[dict[str, Any]], columns: list[str], table_id: str) -> html.Table:
    """A plain HTML table of some columns of the records."""
    head = html.Tr([html.Th(column) for column in columns])
    body = [html.Tr([html.Td(str(r.get(c, ""))) for c in columns]) for r in records]
    return html.Table([html.Thead(head), html.Tbody(body)], id=table_id, className="records")


def graph(graph_id: str, figure: Any) -> dcc.Graph:
    """A figure on the page, without plotly's logo link."""
    return dcc.Graph(id=graph_id, figure=figure, config={"displaylogo": False})


def runs_page() -> list:
    """Every run with status and seconds per stage, the per-table loads, and failing steps with errors."""
    runs = run_history.run_rows()
    if not runs:
        raise queries_no_runs()
    loads = queries.table_loads()
    failed = [r for r in runs if r["status"] != "ok"]
    return [
        graph("stage-durations", figures.stage_durations(runs)),
        table(runs, ["run_id", "started_at", "status", "seconds", *run_history.STAGES], "runs-table"),
        html.H3("Failed runs"),
        table(failed, ["run_id", "status", "failed_step", "error"], "failed-runs") if failed else
        html.P("No failed run.", id="failed-runs"),
        graph("rows-per-second", figures.rows_per_second(loads)),
        html.H3("Tables of the last run"),
        table([r for r in loads if r["run_id"] == loads[-1]["run_id"]] if loads else [],
              ["source", "table_name", "status", "rows_loaded", "seconds", "rows_per_second"], "loads-table"),
    ]  # fmt: skip


def quality_page() -> list:
    """Suite results over time, each expectation's last result, and what blocked a publish."""
    suites = queries.suite_results()
    results = queries.check_results()
    last_run = results[-1]["run_id"] if results else None
    blocked = run_history.blocked_expectations()
    failed = [r for r in results if not r["passed"]]
    return [
        graph("suite-failures", figures.suite_failures(suites)),
        html.H3("Expectations that blocked a publish"),
        table(blocked, ["run_id", "stage", "suite", "expectation", "observed"], "blocked") if blocked else
        html.P("No publish was blocked.", id="blocked"),
        html.H3("Failed expectations, every run"),
        table(failed, ["run_id", "stage", "suite", "expectation", "severity", "observed"], "failed-expectations")
        if failed else html.P("No expectation failed.", id="failed-expectations"),
        html.H3("Every expectation of the last run"),
        table([r for r in results if r["run_id"] == last_run],
              ["stage", "suite", "expectation", "severity", "passed", "observed"], "expectations"),
    ]  # fmt: skip


def freshness_page() -> list:
    """Age of the newest data per source and published table, with its status."""
    entries = queries.freshness()
    return [
        graph("freshness-ages", figures.freshness_ages(entries)),
        table(entries, ["kind", "name", "newest", "age_hours", "warn_hours", "error_hours", "status"],
              "freshness-table"),
    ]  # fmt: skip


def business_page() -> list:
    """Filters for store and dates, the totals, and the sales figures (filled by a callback)."""
    dates = queries.order_dates()
    options = [{"label": s["location_name"], "value": s["location_id"]} for s in queries.stores()]
    return [
        html.Div(
            [
                dcc.Dropdown(id="store", options=options, placeholder="every store", clearable=True),
                dcc.DatePickerRange(
                    id="dates",
                    start_date=dates["first"],
                    end_date=dates["last"],
                    min_date_allowed=dates["first"],
                    max_date_allowed=dates["last"],
                ),
            ],
            className="filters",
        ),  # fmt: skip
        html.Div(id="totals", className="totals"),
        graph("daily-revenue", {}),
        graph("top-products", {}),
        graph("customer-mix", {}),
    ]


def business_figures(store: str | None, start: str | None, end: str | None) -> tuple:
    """The totals and the three business figures for the filters."""
    total = queries.totals(store, start, end)
    cards = [
        html.Div([html.Span("Revenue"), html.Strong(f"${total['revenue']:,.2f}", id="total-revenue")]),
        html.Div([html.Span("Orders"), html.Strong(f"{total['orders']:,.0f}", id="total-orders")]),
        html.Div(
            [html.Span("Average order"), html.Strong(f"${total['average_order_value']:,.2f}", id="aov")]
        ),
    ]
    return (
        cards,
        figures.daily_revenue(queries.daily_sales(store, start, end)),
        figures.top_products(queries.top_products(store, start, end)),
        figures.customer_mix(queries.customer_mix(store, start, end)),
    )


def queries_no_runs() -> Exception:
    """The error every page shows before the first run."""
    from .reader import NoRunsYet

    return NoRunsYet("no runs yet: run `make demo`")


BUILDERS = {
    "/": runs_page,
    "/quality": quality_page,
    "/freshness": freshness_page,
    "/business": business_page,
}
