"""The dashboard's figures, built from query rows (plotly), one function per figure."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from .run_history import STAGES


def _layout(figure: go.Figure, title: str) -> go.Figure:
    """A titled figure with a compact layout."""
    figure.update_layout(title=title, margin={"l": 50, "r": 20, "t": 50, "b": 40}, height=360)
    return figure


def stage_durations(runs: list[dict[str, Any]]) -> go.Figure:
    """Seconds per stage and run, stacked."""
    figure = go.Figure(
        [go.Bar(name=stage, x=[r["run_id"] for r in runs], y=[r[stage] for r in runs]) for stage in STAGES]
    )
    figure.update_layout(barmode="stack")
    return _layout(figure, "Seconds per stage and run")


def rows_per_second(loads: list[dict[str, Any]]) -> go.Figure:
    """Rows per second of each table over runs."""
    figure = go.Figure()
    for table in sorted({f"{r['source']}.{r['table_name']}" for r in loads}):
        points = [r for r in loads if f"{r['source']}.{r['table_name']}" == table]
        figure.add_trace(
            go.Scatter(name=table, mode="lines+markers", x=[p["run_id"] for p in points],
                       y=[p["rows_per_second"] for p in points])
        )  # fmt: skip
    return _layout(figure, "Rows per second per table over runs")


def suite_failures(suites: list[dict[str, Any]]) -> go.Figure:
    """Failed expectations per suite over runs."""
    figure = go.Figure()
    for suite in sorted({s["suite"] for s in suites}):
        points = [s for s in suites if s["suite"] == suite]
        figure.add_trace(go.Bar(name=suite, x=[p["run_id"] for p in points], y=[p["failed"] for p in points]))
    figure.update_layout(barmode="stack")
    return _layout(figure, "Failed expectations per suite and run")


def freshness_ages(entries: list[dict[str, Any]]) -> go.Figure:
    """Age of the newest data per source and published table, against the warn and error thresholds."""
    colours = {"ok": "seagreen", "warn": "orange", "error": "crimson"}
    figure = go.Figure(
        go.Bar(
            x=[e["age_hours"] for e in entries], y=[f"{e['kind']}: {e['name']}" for e in entries],
            orientation="h", marker_color=[colours[e["status"]] for e in entries],
        )
    )  # fmt: skip
    for key, colour in (("warn_hours", "orange"), ("error_hours", "crimson")):
        for hours in sorted({e[key] for e in entries}):  # one line per threshold declared
            figure.add_vline(x=hours, line_dash="dash", line_color=colour)
    return _layout(figure, "Age of the newest data (hours)")


def daily_revenue(sales: list[dict[str, Any]]) -> go.Figure:
    """Revenue per day and store."""
    figure = go.Figure()
    for store in sorted({s["store"] for s in sales}):
        points = [s for s in sales if s["store"] == store]
        figure.add_trace(go.Scatter(name=store, mode="lines", x=[p["order_date"] for p in points],
                                    y=[p["revenue"] for p in points]))  # fmt: skip
    return _layout(figure, "Revenue per day and store")


def top_products(products: list[dict[str, Any]]) -> go.Figure:
    """Revenue of the best-selling products."""
    figure = go.Figure(go.Bar(x=[p["revenue"] for p in products], y=[p["product_name"] for p in products],
                              orientation="h"))  # fmt: skip
    figure.update_yaxes(autorange="reversed")
    return _layout(figure, "Top products by revenue")


def customer_mix(mix: list[dict[str, Any]]) -> go.Figure:
    """Orders per day by new and returning customers."""
    figure = go.Figure()
    for kind in ("new", "returning"):
        points = [m for m in mix if m["customers"] == kind]
        figure.add_trace(
            go.Bar(name=kind, x=[p["order_date"] for p in points], y=[p["orders"] for p in points])
        )
    figure.update_layout(barmode="stack")
    return _layout(figure, "Orders by new and returning customers")
