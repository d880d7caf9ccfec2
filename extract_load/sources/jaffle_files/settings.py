"""Constants of the landing-folder source: one entry per file drop, its glob, format, key and declared columns.

Every column of a drop is declared: its data type is frozen (a value that does not read as it is quarantined,
never loaded as a variant column) and key columns must hold a value. Globs are relative to the bucket URL;
a ``.gz`` file is decompressed whatever its format.
"""

from ..hints import naive_timestamp

DATASET_NAME = "raw_jaffle_files"

# Text formats (CSV, JSON Lines) are read in blocks of this many bytes (whole lines; a longer line is kept
# whole), Parquet and Avro in chunks of this many rows: memory holds one chunk per file being read.
CHUNK_BYTES = 8 << 20
CHUNK_ROWS = 50_000

# Tables may gain columns, but a declared column's type never changes and dlt never adds a variant column.
FILE_CONTRACT = {"tables": "evolve", "columns": "evolve", "data_type": "freeze"}


def _text() -> dict:
    """A text column hint (a new dict each time: dlt writes into hints)."""
    return {"data_type": "text"}


def file_drops() -> dict[str, dict]:
    """The drops: table name -> glob, format, primary key and column hints (fresh dicts on each call)."""
    return {
        "tweets": {
            "glob": "tweets/*.jsonl*",
            "format": "jsonl",
            "primary_key": "id",
            "columns": {
                "id": _text(),
                "user_id": _text(),
                "tweeted_at": naive_timestamp(),
                "content": _text(),
            },
        },
        "supplier_prices": {
            "glob": "supplier_prices/*.csv*",
            "format": "csv",
            "primary_key": ["supply_id", "sku", "valid_from"],
            "columns": {
                "supply_id": _text(),
                "sku": _text(),
                "supplier": _text(),
                "cost_cents": {"data_type": "bigint"},
                "valid_from": {"data_type": "date"},
            },
        },
        "store_events": {
            "glob": "store_events/*.parquet",
            "format": "parquet",
            "primary_key": "event_id",
            "columns": {
                "event_id": _text(),
                "store_id": _text(),
                "event_type": _text(),
                "occurred_at": naive_timestamp(),
            },
        },
        "loyalty_events": {
            "glob": "loyalty_events/*.avro",
            "format": "avro",
            "primary_key": "event_id",
            "columns": {
                "event_id": _text(),
                "customer_id": _text(),
                "store_id": _text(),
                "event_type": _text(),
                "points": {"data_type": "bigint"},
                "occurred_at": naive_timestamp(),
            },
        },
    }
