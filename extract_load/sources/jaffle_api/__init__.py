"""The Jaffle Shop REST API as a dlt source: the same config serves the public API and the local stand-in."""

from __future__ import annotations

from typing import Any

import dlt
from dlt.sources.rest_api import rest_api_resources

from .settings import ENDPOINTS, ORDERS_INITIAL_CURSOR, PAGE_SIZE, PUBLIC_BASE_URL


def _date_of(cursor_value: Any) -> str:
    """The API filters whole days: send the cursor's date, so the boundary day is read again."""
    return str(cursor_value)[:10]


def _resource_config(name: str, spec: dict, page_size: int) -> dict:
    """The rest_api resource config of one endpoint; orders load incrementally on ``ordered_at``.

    Parameters are given per resource, not in ``resource_defaults``: rest_api writes the incremental
    ``start_date`` into the params dict it was given, which would leak into every endpoint sharing it.
    """
    config: dict[str, Any] = {
        "name": name,
        "primary_key": spec["primary_key"],
        "write_disposition": "merge",
        "endpoint": {"path": name, "params": {"page_size": page_size}},
    }
    if "columns" in spec:
        config["columns"] = spec["columns"]
    if name == "orders":
        config["endpoint"]["incremental"] = {
            "start_param": "start_date",
            "cursor_path": "ordered_at",
            "initial_value": ORDERS_INITIAL_CURSOR,
            "convert": _date_of,
        }
    return config


def rest_api_config(base_url: str, page_size: int = PAGE_SIZE) -> dict:
    """The declarative rest_api config: Link-header pagination, page size as a query parameter."""
    return {
        "client": {
            "base_url": base_url.rstrip("/") + "/",
            "paginator": {"type": "header_link"},
        },
        "resources": [_resource_config(name, spec, page_size) for name, spec in ENDPOINTS.items()],
    }


@dlt.source(name="jaffle_api", max_table_nesting=1)
def jaffle_api_source(base_url: str = PUBLIC_BASE_URL, page_size: int = PAGE_SIZE) -> Any:
    """Customers, orders (with their items as a child table), products, stores and supplies."""
    return rest_api_resources(rest_api_config(base_url, page_size))
