"""The Jaffle Shop REST API as a dlt source, declared in ``rest_api.yaml`` next to this file.

The same declaration serves the public API and the local stand-in: only the base URL differs.
"""

from __future__ import annotations

from dlt.extract import DltSource

from ...ledger import RowLedger
from ...rest import declared_rest_source
from .settings import PAGE_SIZE_KEY, SOURCE_NAME


def jaffle_api_source(
    base_url: str | None = None, page_size: int | None = None, ledger: RowLedger | None = None
) -> DltSource:
    """Customers, orders (items in the child table ``orders__items``), products, stores and supplies.

    The base URL and page size default to ``sources.jaffle_api.base_url`` and ``.page_size`` (config or env).
    """
    overrides = {PAGE_SIZE_KEY: page_size} if page_size is not None else None
    return declared_rest_source(SOURCE_NAME, base_url, ledger, overrides=overrides)
