"""The marts stage: the business tables dbt built, checked before they are published.

Keys, not-null columns and accepted values are declared once, as dbt tests in ``models/marts/*.yml``, and
derived from dbt's manifest (``from_dbt``). ``MARTS`` holds only what dbt does not declare: not-null columns
dbt leaves open, money >= 0, ranges, sums and warning-level distribution checks. Money in the marts is in
dollars (decimals), hence the tolerance on sums.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import TableSuite
from .from_dbt import stage_suites_from_dbt

MARTS_SCHEMA = "marts"

# Per table, GX-only: >= 0, bounded ranges, sums
# (total = parts), and warning-level means and standard deviations. Never a check dbt already declares.
MARTS: dict[str, dict] = {
    "customers": {
        # customers who never ordered are kept with zero counts (see the dbt model), so >= 0, not >= 1
        "non_negative": ["lifetime_spend", "count_lifetime_orders"],
    },
    "orders": {
        "non_negative": ["subtotal", "tax_paid", "order_total"],
        "sums": {"order_total": ["subtotal", "tax_paid"]},  # in dollars: compared within half a cent
        "warn_mean": {"order_total": (1, 100)},
        "warn_stdev": {"order_total": (0.5, 100)},
    },
    "products": {
        "non_negative": ["product_price"],
    },
    "locations": {
        "non_negative": ["count_employees", "count_products_to_reorder"],
        "between": {"tax_rate": (0, 1)},
    },
    "supplies": {
        "non_negative": ["supply_cost"],
    },
    "store_daily_revenue": {
        "non_negative": ["revenue"],
        "sums": {"revenue": ["subtotal", "tax_paid"]},
        "warn_mean": {"revenue": (1, 5_000)},
        "warn_stdev": {"revenue": (0.5, 5_000)},
    },
}


def suites(schema_map: Mapping[str, str] | None = None) -> list[TableSuite]:
    """One suite per mart, e.g. ``marts__orders``; ``schema_map={"marts": "..."}`` validates another schema."""
    return stage_suites_from_dbt(MARTS_SCHEMA, MARTS, schema_map)
