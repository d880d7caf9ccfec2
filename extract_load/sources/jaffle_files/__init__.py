"""The landing folder (local path or any fsspec URL) as a dlt source: one resource per file drop.

Each file is read once: the file listing is incremental on its modification time, and rows merge on their
key, so a file that is re-sent with the same content changes nothing.
"""

from __future__ import annotations

from typing import Any

import dlt
from dlt.sources import DltResource
from dlt.sources.filesystem import filesystem, read_csv_duckdb, read_jsonl, read_parquet

from .settings import FILE_DROPS

READERS = {
    "jsonl": lambda: read_jsonl(chunksize=10_000),
    "csv": lambda: read_csv_duckdb(chunk_size=50_000, use_pyarrow=True),
    "parquet": lambda: read_parquet(chunksize=50_000, use_pyarrow=True),
}


def file_drop_resource(bucket_url: str, name: str, spec: dict) -> DltResource:
    """A resource that lists one drop's new files and reads them with the reader of its format."""
    listing = filesystem(
        bucket_url=bucket_url,
        file_glob=spec["glob"],
        incremental=dlt.sources.incremental("modification_date"),
    )
    reader = READERS[spec["format"]]()
    resource = (listing | reader).with_name(name)
    resource.apply_hints(
        primary_key=spec["primary_key"],
        write_disposition="merge",
        columns=spec["columns"] or None,
    )
    return resource


@dlt.source(name="jaffle_files")
def jaffle_files_source(bucket_url: str = dlt.config.value) -> Any:
    """Tweets (JSON Lines), supplier price lists (CSV) and store events (Parquet) from the landing folder."""
    return [file_drop_resource(bucket_url, name, spec) for name, spec in FILE_DROPS.items()]
