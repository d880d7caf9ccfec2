"""Turn a checked declaration into a dlt source: references, base URL, converters, contract and row counting."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from dlt.common.data_writers.writers import count_rows_in_items
from dlt.common.exceptions import DltException
from dlt.common.normalizers.naming.snake_case import NamingConvention
from dlt.common.schema.typing import TSchemaContractDict
from dlt.extract import DltResource, DltSource
from dlt.extract.items_transform import BaseItemTransform, ItemTransform
from dlt.sources.rest_api import rest_api_source

from ..column_names import column_name_guard
from ..ledger import RowLedger
from .config import rest_api_config
from .declaration import Declaration, DeclarationError
from .references import resolve_references

# Raw data may gain tables and columns, but a value that does not fit its column's type fails the load
# instead of landing in a hidden variant column (``amount__v_text``).
DEFAULT_SCHEMA_CONTRACT: TSchemaContractDict = {
    "tables": "evolve",
    "columns": "evolve",
    "data_type": "freeze",
}
DATASET_PREFIX = "raw_"
_NAMING = NamingConvention()


def rest_dataset_name(name: str) -> str:
    """The raw dataset a declared source loads into."""
    return f"{DATASET_PREFIX}{name}"


class RowCounter(ItemTransform[Any, dict[str, Any]]):
    """Counts the rows a resource hands to dlt into the ledger, after incremental filtering and dedup."""

    placement_affinity: ClassVar[float] = 1.5  # behind the incremental step (1) and add_limit (1.1)

    def __init__(self, ledger: RowLedger, table: str) -> None:
        BaseItemTransform.__init__(self)
        self.ledger = ledger
        self.table = table

    def __call__(self, item: Any, meta: Any = None) -> Any:
        """Count and pass the item (a page of rows or one row) through unchanged."""
        if item is not None:
            self.ledger.count_read(self.table, count_rows_in_items(item))
        return item


def build_rest_source(
    declaration: Declaration,
    base_url: str | None = None,
    ledger: RowLedger | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> DltSource:
    """The dlt source of a declaration; ``overrides`` maps config keys to values that win over dlt's config."""
    path = declaration.path
    body = resolve_references(declaration.body, path, overrides)
    config = rest_api_config(declaration, body, base_url)
    try:
        source = rest_api_source(
            config,  # type: ignore[arg-type]
            name=declaration.name,
            section=declaration.name,
            max_table_nesting=body.get("max_table_nesting"),
            schema_contract=body.get("schema_contract", DEFAULT_SCHEMA_CONTRACT),
        )
    except (DltException, ValueError, TypeError, KeyError) as error:
        raise DeclarationError(path, None, f"rejected by dlt's rest_api: {error}") from error
    for resource in source.resources.values():
        instrument(resource, ledger)
    return source


def instrument(resource: DltResource, ledger: RowLedger | None) -> None:
    """Fail on colliding column names; count rows into the ledger when one is given."""
    table = resource.table_name if isinstance(resource.table_name, str) else resource.name
    table = _NAMING.normalize_table_identifier(table)
    resource.add_map(column_name_guard(table))
    if ledger is not None:
        resource.add_step(RowCounter(ledger, table))
