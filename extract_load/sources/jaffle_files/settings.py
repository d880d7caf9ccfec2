"""Constants of the landing-folder source: one entry per file drop, its glob, format, key and hints."""

from ..hints import naive_timestamp

DATASET_NAME = "raw_jaffle_files"


FILE_DROPS: dict[str, dict] = {
    "tweets": {
        "glob": "tweets/*.jsonl",
        "format": "jsonl",
        "primary_key": "id",
        "columns": {"tweeted_at": naive_timestamp()},
    },
    "supplier_prices": {
        "glob": "supplier_prices/*.csv",
        "format": "csv",
        "primary_key": ["supply_id", "sku", "valid_from"],
        "columns": {"valid_from": {"data_type": "date"}, "cost_cents": {"data_type": "bigint"}},
    },
    "store_events": {
        "glob": "store_events/*.parquet",
        "format": "parquet",
        "primary_key": "event_id",
        "columns": {"occurred_at": naive_timestamp()},
    },
}
