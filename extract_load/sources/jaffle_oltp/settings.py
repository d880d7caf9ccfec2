"""Constants of the operational database source: tables, keys, timestamp hints, cursor, lag and contract."""

from ..hints import naive_timestamp

DATASET_NAME = "raw_jaffle_oltp"
CURSOR_COLUMN = "updated_at"
CHUNK_SIZE = 50_000

# Seconds of changes re-read before the cursor on every run, for rows whose ``updated_at`` was stamped before
# the previous run but committed after it (a transaction's ``now()`` is its start). Merge on the primary key
# makes the re-read idempotent; dlt turns boundary deduplication off when a lag is set.
LAG_SECONDS = 60.0

# New tables may appear (the table list below is what is read), but a new column or a changed type in a table
# already loaded stops the load: these are curated operational tables and staging must change with them.
SCHEMA_CONTRACT = {"tables": "evolve", "columns": "freeze", "data_type": "freeze"}

# One entry per table read: its primary key and the timestamp columns that must land without a time zone.
TABLES: dict[str, dict] = {
    "employees": {"primary_key": ["id"], "timestamps": ["hired_at", "updated_at"]},
    "shifts": {"primary_key": ["id"], "timestamps": ["starts_at", "ends_at", "updated_at"]},
    "inventory_levels": {"primary_key": ["store_id", "sku"], "timestamps": ["updated_at"]},
}


def timestamp_hints(table: str) -> dict[str, dict]:
    """Column hints pinning the table's timestamps to ``timestamp without time zone`` on every warehouse."""
    return {column: naive_timestamp() for column in TABLES[table]["timestamps"]}
