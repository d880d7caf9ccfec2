"""Reconcile the marts with the source system: every order and every cent that left the source arrived.

The demo's generator writes what it produced (rows and money totals) into its manifest; the marts must hold
exactly that. A difference means rows were lost or duplicated on the way, and the run must not publish.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import settings
from engines import current_engine

# (what is compared, the mart query, how to read the source's figure from the manifest)
RECONCILED = (
    ("orders", "select count(*) from {schema}.{orders}", lambda m: m["row_counts"]["orders"]),
    ("order items", "select count(*) from {schema}.{order_items}", lambda m: m["row_counts"]["items"]),
    ("customers", "select count(*) from {schema}.{customers}", lambda m: m["row_counts"]["customers"]),
    (
        "revenue (order_total)",
        "select sum(order_total) from {schema}.{orders}",
        lambda m: Decimal(m["order_total_cents"]) / 100,
    ),
)


def reconcile_with_source(manifest: dict, schema: str = settings.MARTS_SCHEMA) -> dict[str, dict]:
    """Compare mart figures with the source's; returns them all, each with ``equal`` set."""
    engine = current_engine()
    with engine.connect(read_only=True) as connection:
        return _compare(manifest, schema, engine.quote, lambda sql: engine.fetch_all(connection, sql))


def _compare(
    manifest: dict, schema: str, quote_name: Callable[..., str], fetch: Callable[[str], list[tuple]]
) -> dict[str, dict]:
    """Each figure of the marts (read by ``fetch``, names quoted by ``quote_name``) against the manifest's."""
    names = {table: quote_name(table) for table in ("orders", "order_items", "customers")}
    results = {}
    for label, template, expected_of in RECONCILED:
        found = fetch(template.format(schema=quote_name(schema), **names))[0][0]
        expected = expected_of(manifest)
        found = Decimal(str(found)) if isinstance(expected, Decimal) else found
        results[label] = {"source": str(expected), "warehouse": str(found), "equal": found == expected}
    return results
