"""The staging stage: dbt's cleaned views, one suite per model; keys, nulls and accepted values only.

dbt's own tests cover staging in depth; this suite is the cheap gate that the views exist, hold rows and
keep their keys. Column names live in ``STAGING`` only, one dict per model.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import TableSuite, from_spec, table_suite
from .raw import PRODUCT_TYPES, STORE_EVENT_TYPES

STAGING_SCHEMA = "staging"

STAGING: dict[str, dict] = {
    "stg_jaffle_api__customers": {"keys": [["customer_id"]], "not_null": ["customer_id"]},
    "stg_jaffle_api__locations": {
        "keys": [["location_id"]],
        "not_null": ["location_id", "tax_rate"],
        "between": {"tax_rate": (0, 1)},
    },
    "stg_jaffle_api__orders": {
        "keys": [["order_id"]],
        "not_null": ["order_id", "customer_id", "location_id", "ordered_at", "order_total"],
        "non_negative": ["subtotal", "tax_paid", "order_total"],
        "sums": {"order_total": ["subtotal", "tax_paid"]},
    },
    "stg_jaffle_api__order_items": {
        "keys": [["order_item_id"]],
        "not_null": ["order_item_id", "order_id", "product_id"],
    },
    "stg_jaffle_api__products": {
        "keys": [["product_id"]],
        "not_null": ["product_id", "product_type", "product_price"],
        "in_set": {"product_type": list(PRODUCT_TYPES)},
    },
    "stg_jaffle_api__supplies": {
        "keys": [["supply_uuid"], ["supply_id", "product_id"]],
        "not_null": ["supply_uuid", "supply_cost"],
    },
    "stg_jaffle_files__store_events": {
        "keys": [["store_event_id"]],
        "not_null": ["store_event_id", "location_id", "event_type"],
        "in_set": {"event_type": list(STORE_EVENT_TYPES)},
    },
    "stg_jaffle_files__supplier_prices": {
        "keys": [["supplier_price_id"]],
        "not_null": ["supplier_price_id", "product_id", "supplier_cost", "valid_from"],
    },
    "stg_jaffle_files__tweets": {"keys": [["tweet_id"]], "not_null": ["tweet_id", "tweeted_at"]},
}


def suites(schema_map: Mapping[str, str] | None = None) -> list[TableSuite]:
    """One suite per staging model, e.g. ``staging__stg_jaffle_api__orders``."""
    return [
        table_suite(STAGING_SCHEMA, model, from_spec(spec), schema_map) for model, spec in STAGING.items()
    ]
