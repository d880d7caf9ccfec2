"""The raw stage: what dlt wrote to each source's ``raw_<name>``, as is.

The demo's datasets have suites written here; every other declared table gets one from its declaration.
"""

from __future__ import annotations

from collections.abc import Mapping

from dlt.common.normalizers.naming.snake_case import NamingConvention
from great_expectations.expectations import Expectation

import settings
from engines import current_engine

from . import (
    CRITICAL,
    WARNING,
    TableSuite,
    between,
    has_rows,
    in_set,
    integers,
    mean_between,
    non_negative,
    not_null,
    sum_matches,
    table_suite,
    unique,
)

API = "raw_jaffle_api"
FILES = "raw_jaffle_files"
OLTP = "raw_jaffle_oltp"
PRODUCT_TYPES = ("jaffle", "beverage")
STORE_EVENT_TYPES = ("visit", "purchase", "complaint")
LOYALTY_EVENT_TYPES = ("earn", "redeem")


def key(*columns: str, severity: str = CRITICAL, nested: bool = False) -> list[Expectation]:
    """The columns identify a row of the source, as the raw table holds it.

    dlt merges by key on DuckDB and Postgres, so there the key is unique in the table. The lake of the Spark
    target only appends (plain Parquet has no merge): a key sent again by a later load is a new row, and staging
    keeps each key's latest completed version. There the key is unique within each load (``_dlt_load_id``), or,
    in a nested table, within each parent row (``_dlt_parent_id``: a re-sent order's items hang off its new row).
    """
    if not current_engine().capabilities.merges_by_key:
        return unique(*columns, "_dlt_parent_id" if nested else "_dlt_load_id", severity=severity)
    return unique(*columns, severity=severity)


def _jaffle_api() -> dict[str, list[Expectation]]:
    """Expectations per table of the Jaffle API dataset (money in integer cents)."""
    return {
        "customers": [*has_rows(), *not_null("id"), *key("id"), *not_null("name", severity=WARNING)],
        "stores": [
            *has_rows(),
            *not_null("id", "name", "opened_at", "tax_rate"),
            *key("id"),
            *between("tax_rate", 0, 1),
            *between("tax_rate", 0, 0.25, severity=WARNING),
        ],
        "products": [
            *has_rows(),
            *not_null("sku", "name", "type", "price"),
            *key("sku"),
            *in_set("type", PRODUCT_TYPES),
            *integers("price"),
            *non_negative("price"),
        ],
        "supplies": [
            *has_rows(),
            *not_null("id", "sku", "cost"),
            *key("id", "sku"),
            *integers("cost"),
            *non_negative("cost"),
        ],
        "orders": [
            *has_rows(),
            *not_null("id", "customer_id", "store_id", "ordered_at", "subtotal", "tax_paid", "order_total"),
            *key("id"),
            *integers("subtotal", "tax_paid", "order_total"),
            *non_negative("subtotal", "tax_paid", "order_total"),
            *sum_matches("order_total", ["subtotal", "tax_paid"]),
            *mean_between("order_total", 100, 10_000),
        ],
        "orders__items": [
            *has_rows(),
            *not_null("id", "order_id", "sku", "_dlt_parent_id"),
            *key("id", severity=WARNING, nested=True),
        ],
    }


def _jaffle_files() -> dict[str, list[Expectation]]:
    """Expectations per table of the landing-folder dataset."""
    return {
        "tweets": [
            *has_rows(),
            *not_null("id", "user_id", "tweeted_at"),
            *key("id"),
            *not_null("content", severity=WARNING),
        ],
        "supplier_prices": [
            *has_rows(),
            *not_null("supply_id", "sku", "supplier", "cost_cents", "valid_from"),
            *key("supply_id", "sku", "valid_from"),
            *integers("cost_cents"),
            *non_negative("cost_cents"),
        ],
        "store_events": [
            *has_rows(),
            *not_null("event_id", "store_id", "event_type", "occurred_at"),
            *key("event_id"),
            *in_set("event_type", STORE_EVENT_TYPES),
        ],
        "loyalty_events": [
            *has_rows(),
            *not_null("event_id", "customer_id", "store_id", "event_type", "points", "occurred_at"),
            *key("event_id"),
            *in_set("event_type", LOYALTY_EVENT_TYPES),
            *integers("points"),
        ],
    }


def _jaffle_oltp() -> dict[str, list[Expectation]]:
    """Expectations per table of the operational database's dataset (money in integer cents)."""
    return {
        "employees": [
            *has_rows(),
            *not_null("id", "store_id", "full_name", "role", "hourly_rate_cents", "hired_at", "updated_at"),
            *key("id"),
            *integers("hourly_rate_cents"),
            *non_negative("hourly_rate_cents"),
        ],
        "shifts": [
            *has_rows(),
            *not_null("id", "employee_id", "store_id", "starts_at", "ends_at", "updated_at"),
            *key("id"),
        ],
        "inventory_levels": [
            *has_rows(),
            *not_null("store_id", "sku", "on_hand", "reorder_point", "updated_at"),
            *key("store_id", "sku"),
            *integers("on_hand", "reorder_point"),
            *non_negative("on_hand", "reorder_point"),
        ],
    }


def suites(schema_map: Mapping[str, str] | None = None) -> list[TableSuite]:
    """One suite per raw table, e.g. ``raw_jaffle_api__orders``; ``schema_map`` renames the datasets."""
    declared = {API: _jaffle_api(), FILES: _jaffle_files(), OLTP: _jaffle_oltp()}
    configured = settings.raw_datasets()
    declared = {dataset: tables for dataset, tables in declared.items() if dataset in configured}
    return [
        table_suite(dataset, table, expectations, schema_map)
        for dataset, tables in declared.items()
        for table, expectations in tables.items()
    ] + declared_suites(declared, schema_map)


def declared_suites(
    written: Mapping[str, Mapping[str, list[Expectation]]], schema_map: Mapping[str, str] | None = None
) -> list[TableSuite]:
    """Every table a configured source declares with a key, and no suite above covers: it has rows, and its
    key columns are never null and identify a row."""
    from extract_load.registry import declared_keys, discover

    naming = NamingConvention()
    found = discover()
    suites = []
    for source in settings.extract_load_sources():
        dataset = settings.dataset_of(source)
        for table, columns in (declared_keys(source) if source in found else {}).items():
            table = naming.normalize_table_identifier(table)
            if table in written.get(dataset, {}) or not columns:
                continue
            columns = [naming.normalize_identifier(column) for column in columns]
            expectations = [*has_rows(), *not_null(*columns), *key(*columns)]
            suites.append(table_suite(dataset, table, expectations, schema_map))
    return suites
