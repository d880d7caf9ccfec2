"""Every figure of the dashboard, built at once, for the PNG export (``python -m dashboard --png DIR``)."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go

from . import figures, queries, run_history, static_figures


def all_figures() -> dict[str, go.Figure]:
    """Every figure with the unfiltered data, by file name."""
    return {
        "stage_durations": figures.stage_durations(run_history.run_rows()),
        "rows_per_second": figures.rows_per_second(queries.table_loads()),
        "suite_failures": figures.suite_failures(queries.suite_results()),
        "freshness": figures.freshness_ages(queries.freshness()),
        "daily_revenue": figures.daily_revenue(queries.daily_sales()),
        "top_products": figures.top_products(queries.top_products()),
        "customer_mix": figures.customer_mix(queries.customer_mix()),
    }


def export_png(folder: Path) -> list[Path]:
    """Write every figure as PNG into a folder (matplotlib: no browser needed)."""
    return static_figures.export_all(all_figures(), folder)
