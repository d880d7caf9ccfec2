"""The marts stage: the business tables dbt built, checked before they are published.

Column names live in ``MARTS`` only, one dict per table, so a renamed dbt column is fixed in one place.
Money in the marts is in dollars (decimals), hence the tolerance on sums.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import TableSuite, from_spec, table_suite

MARTS_SCHEMA = "marts"

# Per table: keys (each a list of columns that identifies a row), columns never null, columns >= 0,
# bounded ranges, allowed values, sums (total = parts), and warning-level means.
MARTS: dict[str, dict] = {
    "customers": {
        "keys": [["customer_id"]],
        "not_null": ["customer_id", "count_lifetime_orders", "lifetime_spend"],
        # customers who never ordered are kept with zero counts (see the dbt model), so >= 0, not >= 1
        "non_negative": ["lifetime_spend", "count_lifetime_orders"],
    },
    "orders": {
        "keys": [["order_id"]],
        "not_null": [
            "order_id",
            "customer_id",
            "location_id",
            "ordered_at",
            "subtotal",
            "tax_paid",
            "order_total",
        ],
        "non_negative": ["subtotal", "tax_paid", "order_total"],
        "sums": {"order_total": ["subtotal", "tax_paid"]},  # in dollars: compared within half a cent
        "warn_mean": {"order_total": (1, 100)},
    },
    "order_items": {
        "keys": [["order_item_id"]],
        "not_null": ["order_item_id", "order_id", "product_id"],
    },
    "products": {
        "keys": [["product_id"]],
        "not_null": ["product_id", "product_name", "product_type", "product_price"],
        "non_negative": ["product_price"],
        "in_set": {"product_type": ["jaffle", "beverage"]},
    },
    "locations": {
        "keys": [["location_id"]],
        "not_null": [
            "location_id",
            "location_name",
            "tax_rate",
            "count_employees",
            "count_products_to_reorder",
        ],
        "non_negative": ["count_employees", "count_products_to_reorder"],
        "between": {"tax_rate": (0, 1)},
    },
    "supplies": {
        "keys": [["supply_id", "product_id"]],
        "not_null": ["supply_id", "product_id", "supply_cost"],
        "non_negative": ["supply_cost"],
    },
    "store_daily_revenue": {
        "keys": [["location_id", "order_date"]],
        "not_null": ["location_id", "order_date", "revenue"],
        "non_negative": ["revenue"],
    },
}


def suites(schema_map: Mapping[str, str] | None = None) -> list[TableSuite]:
    """One suite per mart, e.g. ``marts__orders``; ``schema_map={"marts": "..."}`` validates another schema."""
    return [table_suite(MARTS_SCHEMA, table, from_spec(spec), schema_map) for table, spec in MARTS.items()]
