"""The staging stage: dbt's cleaned views, one suite per model in ``models/staging/``.

Keys, not-null columns and accepted values are declared once, as dbt tests next to each model, and derived
from dbt's manifest (``from_dbt``). ``STAGING`` holds only what dbt does not declare: not-null columns dbt
leaves open, money >= 0, ranges and sums.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import TableSuite
from .from_dbt import stage_suites_from_dbt

STAGING_SCHEMA = "staging"

# Per model, GX-only: >= 0, ranges and sums.
STAGING: dict[str, dict] = {
    "stg_jaffle_api__locations": {"between": {"tax_rate": (0, 1)}},
    "stg_jaffle_api__orders": {
        "non_negative": ["subtotal", "tax_paid", "order_total"],
        "sums": {"order_total": ["subtotal", "tax_paid"]},
    },
    "stg_jaffle_api__products": {"non_negative": ["product_price"]},
    "stg_jaffle_api__supplies": {"non_negative": ["supply_cost"]},
    "stg_jaffle_files__supplier_prices": {"non_negative": ["supplier_cost"]},
    "stg_jaffle_oltp__employees": {"non_negative": ["hourly_rate"]},
}


def suites(schema_map: Mapping[str, str] | None = None) -> list[TableSuite]:
    """One suite per staging model, e.g. ``staging__stg_jaffle_api__orders``."""
    return stage_suites_from_dbt(STAGING_SCHEMA, STAGING, schema_map)
