"""One bench stage in its own process (so its peak memory is its own): ``python -m benchmarks.stage NAME JSON``.

Prints one JSON line: the stage's own seconds (imports excluded), rows and any per-step detail.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import baselines, native_sql
from .data import write_bench_data


def generate(args: dict) -> dict[str, Any]:
    """Write the bench data (``first_item`` > 0 appends a later batch)."""
    started = time.perf_counter()
    rows = write_bench_data(Path(args["folder"]), args["n_items"], args["seed"], args.get("first_item", 0))
    return {"seconds": time.perf_counter() - started, "rows": sum(rows.values()), "detail": rows}


def pipeline_load(args: dict) -> dict[str, Any]:
    """The pipeline's extract, normalize and load of the bench files (``run_source``, reconciled)."""
    from extract_load.ledger import RowLedger
    from extract_load.pipeline import run_source

    from .bench_source import SOURCE_NAME, bench_source

    ledger = RowLedger()
    started = time.perf_counter()
    load = run_source(SOURCE_NAME, bench_source(args["folder"], ledger), ledger)
    seconds = time.perf_counter() - started
    rows = {table: n for table, n in load.rows.items() if table != "quarantine"}
    return {"seconds": seconds, "rows": sum(rows.values()), "detail": {"steps": load.seconds, "rows": rows}}


def append_orders(args: dict) -> dict[str, Any]:
    """Append 1% new orders (with items) to the demo source, dated the day after its last order."""
    from demo.data import append_orders as append

    work = Path(args["work"])
    started = time.perf_counter()
    orders = pq.read_table(work / "source" / "orders.parquet", columns=["ordered_at"])
    last = pc.max(orders.column("ordered_at")).as_py()
    n_orders = max(1, orders.num_rows // 100)
    append(work, args["seed"], n_orders, last + timedelta(days=1))
    return {"seconds": time.perf_counter() - started, "rows": n_orders}


STAGES: dict[str, Callable[[dict], dict[str, Any]]] = {
    "generate": generate,
    "append_orders": append_orders,
    "pipeline_load": pipeline_load,
    "duckdb_native": baselines.duckdb_native,
    "postgres_copy": baselines.postgres_copy,
    "pandas_to_sql": baselines.pandas_to_sql,
    "dlt_dicts": baselines.dlt_dicts,
    "export_raw": native_sql.export_raw,
    "native_ingest_sql": native_sql.native_ingest_sql,
}


def main() -> None:
    """Run the named stage with its JSON arguments and print its result as one JSON line."""
    name, args = sys.argv[1], json.loads(sys.argv[2])
    result = STAGES[name](args)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
