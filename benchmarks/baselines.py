"""What the pipeline is measured against: each engine's native ingest, and the naive paths users write."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

import settings
from engines import current_engine
from warehouse.connection import connect, quote

TABLES = ("orders", "order_items")
SCHEMA = "bench_native"
PG_TYPES = {"string": "text", "int64": "bigint", "timestamp[us]": "timestamp"}


def _files(folder: str, table: str) -> list[Path]:
    """The bench's Parquet files of one table, in order."""
    return sorted((Path(folder) / table).glob("*.parquet"))


def duckdb_native(args: dict) -> dict[str, Any]:
    """DuckDB's own reader: ``create table as select * from read_parquet(...)`` per table."""
    import duckdb

    connection = duckdb.connect(args["path"])
    started = time.perf_counter()
    rows = 0
    for table in TABLES:
        files = [str(path) for path in _files(args["folder"], table)]
        name = quote(table)
        connection.execute(f"create or replace table {name} as select * from read_parquet(?)", [files])
        rows += connection.execute(f"select count(*) from {name}").fetchone()[0]
    seconds = time.perf_counter() - started
    connection.close()
    return {"seconds": seconds, "rows": rows}


def _pg_create(cursor: Any, table: str, schema: Any) -> None:
    """An empty table with the Parquet file's columns in Postgres types."""
    columns = ", ".join(f"{quote(field.name)} {PG_TYPES[str(field.type)]}" for field in schema)
    cursor.execute(f"create table {quote(SCHEMA, table)} ({columns})")


def postgres_copy(args: dict) -> dict[str, Any]:
    """``COPY ... FROM STDIN (format csv)`` of the same rows; the Parquet-to-CSV conversion is timed apart."""
    rows, copy_seconds, csv_seconds = 0, 0.0, 0.0
    with tempfile.TemporaryDirectory(dir=args["tmp"]) as tmp, connect(role="loader") as connection:
        cursor = connection.cursor()
        cursor.execute(f"drop schema if exists {quote(SCHEMA)} cascade")
        cursor.execute(f"create schema {quote(SCHEMA)}")
        for table in TABLES:
            files = _files(args["folder"], table)
            _pg_create(cursor, table, pq.read_schema(files[0]))
            for number, path in enumerate(files):
                started = time.perf_counter()
                csv_path = Path(tmp) / f"{table}-{number}.csv"
                pa_csv.write_csv(pq.read_table(path), csv_path)
                csv_seconds += time.perf_counter() - started
                started = time.perf_counter()
                with csv_path.open("rb") as stream:
                    cursor.copy_expert(
                        f"copy {quote(SCHEMA, table)} from stdin (format csv, header true)", stream
                    )
                connection.commit()
                copy_seconds += time.perf_counter() - started
                rows += cursor.rowcount
                csv_path.unlink()
        cursor.execute(f"drop schema {quote(SCHEMA)} cascade")
        connection.commit()
    return {"seconds": copy_seconds, "rows": rows, "detail": {"csv_seconds": csv_seconds}}


def _first_rows(folder: str, rows: int) -> Any:
    """The first ``rows`` order items as an Arrow table."""
    return pq.read_table(_files(folder, "order_items")[0]).slice(0, rows)


def _sqlalchemy_url(path: str) -> str:
    """An SQLAlchemy URL for the configured engine: the bench's database on a server, else its own DuckDB file."""
    on_server = current_engine().server_url(settings.postgres_credentials().database)
    return on_server if on_server is not None else f"duckdb:///{path}"


def pandas_to_sql(args: dict) -> dict[str, Any]:
    """What a user would write first: ``DataFrame.to_sql`` through SQLAlchemy."""
    import sqlalchemy

    frame = _first_rows(args["folder"], args["rows"]).to_pandas()
    engine = sqlalchemy.create_engine(_sqlalchemy_url(args["path"]))
    started = time.perf_counter()
    frame.to_sql("naive_order_items", engine, if_exists="replace", index=False, chunksize=10_000)
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"seconds": seconds, "rows": len(frame)}


def dlt_dicts(args: dict) -> dict[str, Any]:
    """dlt fed plain dict rows (its default file format), the path most examples show."""
    import dlt

    from extract_load.destination import dlt_destination

    table = _first_rows(args["folder"], args["rows"])
    on_server = current_engine().server_url(settings.postgres_credentials().database) is not None
    destination = dlt_destination() if on_server else dlt.destinations.duckdb(args["path"])

    @dlt.resource(name="order_items", write_disposition="replace")
    def rows() -> Any:
        """Order items as dicts, a batch at a time."""
        for batch in table.to_batches(max_chunksize=10_000):
            yield batch.to_pylist()

    with tempfile.TemporaryDirectory(dir=args["tmp"]) as tmp:
        pipeline = dlt.pipeline(
            "bench_dlt_dicts", destination=destination, dataset_name="bench_dicts", pipelines_dir=tmp
        )
        started = time.perf_counter()
        pipeline.run(rows())
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": table.num_rows}
