"""Every query the dashboard runs: run history, data quality, freshness and the business numbers.

The SQL is fixed text over the published schema and ``pipeline_runs``; filter values are bound parameters.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from warehouse.dbt_sources import declared_sources, freshness_hours

from .reader import rows

# Optional filters: a null store means every store, null dates mean no bound.
FILTERS = """
    (cast(? as varchar) is null or sales.location_id = cast(? as varchar))
    and (cast(? as date) is null or sales.order_date >= cast(? as date))
    and (cast(? as date) is null or sales.order_date <= cast(? as date))
"""


def _filter_parameters(store: str | None, start: str | None, end: str | None) -> list[Any]:
    """The bound values of FILTERS, each twice (null test, then comparison)."""
    return [store, store, start, start, end, end]


def table_loads() -> list[dict[str, Any]]:
    """Rows, seconds and rows per second per table and run."""
    return rows(
        "select run_id, source, table_name, status, rows_loaded, rows_quarantined, seconds, rows_per_second,"
        " recorded_at from pipeline_runs.table_loads order by recorded_at, source, table_name"
    )


def check_results() -> list[dict[str, Any]]:
    """Every stored expectation result: suite, expectation, pass or fail, observed value, verdicts."""
    return rows(
        "select run_id, stage, suite, kind, expectation, severity, passed, observed, gate_verdict,"
        " evaluated_at from pipeline_runs.check_results order by evaluated_at, suite, expectation"
    )


def suite_results() -> list[dict[str, Any]]:
    """Per run and suite: expectations evaluated and failed, for the results over time."""
    return rows(
        "select run_id, suite, min(evaluated_at) as evaluated_at, count(*) as evaluated,"
        " sum(case when passed then 0 else 1 end) as failed"
        " from pipeline_runs.check_results where kind = 'expectation'"
        " group by run_id, suite order by evaluated_at, suite"
    )


def _status(hours: float, warn_hours: float, error_hours: float) -> str:
    """ok, warn or error against the thresholds."""
    return "error" if hours >= error_hours else "warn" if hours >= warn_hours else "ok"


def freshness_thresholds() -> dict[str, tuple[float, float]]:
    """Warn and error hours per source, as declared for ``dbt source freshness`` in the sources YAML."""
    declared = {source: freshness_hours(source) for source in declared_sources()}
    return {source: hours for source, hours in declared.items() if hours is not None}


def _strictest(thresholds: dict[str, tuple[float, float]]) -> tuple[float, float]:
    """The smallest warn and error hours over every source: a published table is as stale as its oldest input."""
    if not thresholds:
        raise ValueError(
            "no source declares freshness thresholds in dbt_project/models/staging/*/_*__sources.yml"
        )
    return min(warn for warn, _ in thresholds.values()), min(error for _, error in thresholds.values())


def _age_hours(moment: str, now: datetime) -> float:
    """Hours from a naive UTC timestamp to now."""
    return round((now - datetime.fromisoformat(moment).replace(tzinfo=UTC)).total_seconds() / 3600, 2)


def freshness(now: datetime | None = None) -> list[dict[str, Any]]:
    """Per source (its newest completed load) and per published table (its publish): age and status."""
    now = now or datetime.now(UTC)
    sources = rows(
        "select source, max(recorded_at) as newest from pipeline_runs.table_loads"
        " where status = 'loaded' group by source order by source"
    )
    published = rows(
        "select tables.table_name as name, publication.published_at as newest"
        " from information_schema.tables as tables cross join published.publication as publication"
        " where tables.table_schema = ? and tables.table_name <> 'publication' order by tables.table_name",
        [_published_schema_name()],
    )
    thresholds = freshness_thresholds()
    strictest = _strictest(thresholds)
    result = []
    for kind, entries, key in (("source", sources, "source"), ("published table", published, "name")):
        for entry in entries:
            hours = _age_hours(entry["newest"], now)
            warn_hours, error_hours = thresholds.get(entry[key], strictest) if kind == "source" else strictest
            result.append(
                {
                    "kind": kind,
                    "name": entry[key],
                    "newest": entry["newest"],
                    "age_hours": hours,
                    "warn_hours": warn_hours,
                    "error_hours": error_hours,
                    "status": _status(hours, warn_hours, error_hours),
                }
            )
    return result


def _published_schema_name() -> str:
    """Where the published tables sit: ``main`` of the snapshot file on DuckDB, ``published`` on Postgres."""
    from engines import current_engine

    return current_engine().published_schema


def stores() -> list[dict[str, Any]]:
    """Every store, for the filter."""
    return rows("select location_id, location_name from published.locations order by location_name")


def daily_sales(store: str | None = None, start: str | None = None, end: str | None = None) -> list[dict]:
    """Revenue, orders and average order value per store and day."""
    return rows(
        "select locations.location_name as store, sales.order_date, sum(sales.count_orders) as orders,"
        " sum(sales.revenue) as revenue, sum(sales.revenue) / sum(sales.count_orders) as average_order_value"
        " from published.store_daily_revenue as sales"
        " inner join published.locations as locations on sales.location_id = locations.location_id"
        f" where {FILTERS} group by locations.location_name, sales.order_date"
        " order by sales.order_date, locations.location_name",
        _filter_parameters(store, start, end),
    )


def totals(store: str | None = None, start: str | None = None, end: str | None = None) -> dict[str, float]:
    """Revenue, orders and average order value over the filtered stores and days."""
    (row,) = rows(
        "select coalesce(sum(sales.revenue), 0) as revenue, coalesce(sum(sales.count_orders), 0) as orders"
        f" from published.store_daily_revenue as sales where {FILTERS}",
        _filter_parameters(store, start, end),
    )
    orders = float(row["orders"])
    revenue = float(row["revenue"])
    return {"revenue": revenue, "orders": orders, "average_order_value": revenue / orders if orders else 0.0}


def top_products(store: str | None = None, start: str | None = None, end: str | None = None) -> list[dict]:
    """Products by revenue over the filtered stores and days, best first."""
    return rows(
        "select sales.product_name, count(*) as items, sum(sales.product_price) as revenue"
        f" from published.order_items as sales where {FILTERS}"
        " group by sales.product_name order by revenue desc, sales.product_name limit 10",
        _filter_parameters(store, start, end),
    )


def customer_mix(store: str | None = None, start: str | None = None, end: str | None = None) -> list[dict]:
    """Orders per day by new customers (their first order) and by returning ones."""
    return rows(
        "select sales.order_date,"
        " case when sales.customer_order_number = 1 then 'new' else 'returning' end as customers,"
        " count(*) as orders from published.orders as sales"
        f" where {FILTERS} group by sales.order_date, 2 order by sales.order_date, 2",
        _filter_parameters(store, start, end),
    )


def order_dates() -> dict[str, str | None]:
    """The first and last order date, for the date filter."""
    (row,) = rows(
        "select min(order_date) as first, max(order_date) as last from published.store_daily_revenue"
    )
    return row
