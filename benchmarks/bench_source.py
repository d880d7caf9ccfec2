"""The bench's orders and items as a source of the pipeline's own files reader (Arrow from Parquet to load)."""

from __future__ import annotations

from typing import Any

import dlt

from extract_load.column_hints import naive_timestamp
from extract_load.files import file_drop_resource
from extract_load.files.declaration import CHUNK_BYTES, CHUNK_ROWS
from extract_load.ledger import RowLedger

SOURCE_NAME = "jaffle_bench"  # lands in raw_jaffle_bench, like every source in raw_<name>


def _text() -> dict:
    """A text column hint."""
    return {"data_type": "text"}


def bench_drops() -> dict[str, dict]:
    """The two drops, declared like the landing folder's: glob, format, key, typed columns.

    Both are immutable (each batch is new files with new ids), so they append rather than merge on the key.
    """
    money = {"data_type": "bigint"}
    return {
        "orders": {
            "glob": "orders/*.parquet",
            "format": "parquet",
            "primary_key": "id",
            "write_disposition": "append",
            "columns": {
                "id": _text(),
                "customer_id": _text(),
                "store_id": _text(),
                "ordered_at": naive_timestamp(),
                "subtotal": dict(money),
                "tax_paid": dict(money),
                "order_total": dict(money),
            },
        },
        "order_items": {
            "glob": "order_items/*.parquet",
            "format": "parquet",
            "primary_key": "id",
            "write_disposition": "append",
            "columns": {"id": _text(), "order_id": _text(), "sku": _text()},
        },
    }


def bench_source(bucket_url: str, ledger: RowLedger, chunk_rows: int = CHUNK_ROWS) -> Any:
    """A dlt source reading the bench folder through the file drops' resource factory."""

    @dlt.source(name=SOURCE_NAME)
    def jaffle_bench() -> list:
        """Orders and order items from Parquet files."""
        return [
            file_drop_resource(bucket_url, name, drop, ledger, CHUNK_BYTES, chunk_rows)
            for name, drop in bench_drops().items()
        ]

    return jaffle_bench()
