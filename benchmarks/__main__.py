"""``python -m benchmarks`` (``make bench``): time every stage on DuckDB and Postgres, write the report."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import settings

from . import scenarios
from .engines import ENGINES, drop_postgres_database, on_server, postgres_available
from .machine import machine
from .report import ratios, write_report
from .spark_logs import run_spark_logs_bench

log = logging.getLogger("benchmarks")


def parse_arguments() -> argparse.Namespace:
    """Scales, engines, the naive paths' row count, the demo scale of the whole-pipeline run, where to write."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--items", type=int, nargs="+", default=[1_000_000], help="order items per scale")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument(
        "--naive-rows", type=int, default=100_000, help="rows for pandas to_sql and dlt dicts"
    )
    parser.add_argument(
        "--pipeline-scale", type=float, default=1.0, help="demo SCALE of the whole pipeline (0: skip)"
    )
    parser.add_argument(
        "--duckdb-pipeline-scale", type=float, default=0.0,
        help="demo SCALE of a larger whole-pipeline run on DuckDB alone, against native ingest plus the models'"
        " SQL (110: about 10M order items; 0: skip)",
    )  # fmt: skip
    parser.add_argument(
        "--log-gigabytes", type=float, nargs="*", default=[1.0],
        help="sizes of the event logs for Spark against DuckDB (JSON GB; none: skip)",
    )  # fmt: skip
    parser.add_argument(
        "--demo-scale", type=float, default=0.1,
        help="demo SCALE of `jaffle demo` run twice on each engine: the first run, then a rerun with nothing new"
        " (0: skip)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--work", type=Path, default=settings.data_dir() / "bench", help="bench data (git-ignored)"
    )
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"), help="JSON, Markdown and PNG")
    parser.add_argument("--keep", action="store_true", help="keep the generated data and warehouses")
    return parser.parse_args()


def main() -> None:
    """Run every scenario, print the ratios, write the report."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    arguments = parse_arguments()
    engines = [e for e in arguments.engines if not on_server(e) or postgres_available()]
    if engines != arguments.engines:
        log.warning("no Postgres server answers: DuckDB only")
    report = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine()}
    report["arguments"] = {k: str(v) for k, v in vars(arguments).items()}
    started = time.perf_counter()
    results = []
    root = arguments.work.resolve()
    try:
        for n_items in arguments.items:
            folder, generated = scenarios.generate(root, n_items, arguments.seed)
            results.append(generated)
            for engine in engines:
                naive = arguments.naive_rows if n_items == arguments.items[0] else 0
                results += scenarios.raw_load(root, folder, engine, n_items, arguments.seed, naive)
            if not arguments.keep:
                shutil.rmtree(folder)
        if arguments.demo_scale:
            for engine in engines:
                results += scenarios.demo_reruns(root, engine, arguments.demo_scale, arguments.seed)
        if arguments.pipeline_scale:
            for engine in engines:
                results += scenarios.whole_pipeline(root, engine, arguments.pipeline_scale, arguments.seed)
        if arguments.duckdb_pipeline_scale:
            results += scenarios.whole_pipeline(
                root, "duckdb", arguments.duckdb_pipeline_scale, arguments.seed
            )
        if arguments.log_gigabytes:
            report["spark_logs"] = run_spark_logs_bench(arguments.log_gigabytes, root / "spark_logs")
    finally:
        report["results"] = [r.to_dict() for r in results]
        report["ratios"] = ratios(report["results"], arguments.items, engines)
        report["seconds"] = round(time.perf_counter() - started, 1)
        report["load_average_end"] = [round(value, 2) for value in os.getloadavg()]
        for name, value in report["ratios"].items():
            print(f"{name}: {value}")
        for path in write_report(report, arguments.out):
            print(f"wrote {path}")
        if not arguments.keep:
            shutil.rmtree(root, ignore_errors=True)
            if any(on_server(engine) for engine in engines):
                drop_postgres_database()


if __name__ == "__main__":
    main()
