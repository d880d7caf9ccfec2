"""Event-log trends on Spark against DuckDB (dbt), from the same gzipped JSON Lines: time and peak memory.

Generates the demo logs at a size (uncompressed JSON bytes), then runs, each in its own process tree, the dbt
models on DuckDB (``dbt build --select logs``) and the Spark job (``python -m spark_jobs.log_trends``, a local
session on every core). Peak memory is the largest sum of resident memory over the process and all its
children (the JVM too), sampled every 0.1 s. Both engines' trend rows are compared at the end.

    python -m benchmarks.spark_logs --gigabytes 1 2
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import psutil

from demo.event_logs import generate_logs
from settings import DBT_PROJECT_DIR, PROJECT_ROOT, data_dir
from warehouse.dbt import dbt_environment

log = logging.getLogger("benchmarks.spark_logs")
SAMPLE_SECONDS = 0.1
TREND_COLUMNS = "event_date, store_name, sessions, visitors, converted_sessions, round(conversion_rate, 9), "
TREND_COLUMNS += "events, error_events, top_paths"


def _tree_rss(process: psutil.Process) -> int:
    """Resident bytes of a process and all its descendants (0 for those already gone)."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total


def measure(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``command``; its wall seconds, the peak RSS of its process tree in MiB, its output."""
    started = time.perf_counter()
    child = subprocess.Popen(
        command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    tree, peak = psutil.Process(child.pid), 0
    output = bytearray()
    os.set_blocking(child.stdout.fileno(), False)
    while child.poll() is None:
        peak = max(peak, _tree_rss(tree))
        output += child.stdout.read() or b""
        time.sleep(SAMPLE_SECONDS)
    output += child.stdout.read() or b""
    text = output.decode(errors="replace")
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} exited {child.returncode}:\n{text[-3000:]}")
    wall = time.perf_counter() - started
    return {"wall_seconds": round(wall, 2), "peak_mib": round(peak / 2**20), "output": text}


def run_duckdb(logs: Path, work: Path) -> dict[str, Any]:
    """``dbt build --select logs`` on a fresh DuckDB file; its figures and the models' own seconds."""
    project = str(DBT_PROJECT_DIR)
    # what the command line hands dbt, pointed at this bench's logs and DuckDB file
    env = {**dbt_environment(), "WAREHOUSE": "duckdb", "JAFFLE_DBT_EVENT_LOGS": str(logs),
           "DESTINATION__DUCKDB__CREDENTIALS": str(work / "trends.duckdb")}  # fmt: skip
    command = [str(Path(sys.executable).with_name("dbt")), "build", "--select", "logs", "--project-dir", project,
               "--profiles-dir", project, "--target", "duckdb", "--target-path", str(work / "target"),
               "--log-path", str(work / "dbt_logs")]  # fmt: skip
    figures = measure(command, env)
    del figures["output"]
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    models = [r["execution_time"] for r in results if r["unique_id"].startswith("model.")]
    figures["models_seconds"] = round(sum(models), 2)
    return figures


def run_spark(logs: Path, work: Path, cores: int, driver_memory: str) -> dict[str, Any]:
    """The Spark job in its own process (and JVM); its figures, session start-up apart from the job."""
    command = [sys.executable, "-m", "spark_jobs.log_trends", "--logs", str(logs), "--out", str(work),
               "--cores", str(cores), "--driver-memory", driver_memory]  # fmt: skip
    figures = measure(command, dict(os.environ))
    output = figures.pop("output").splitlines()
    reported = json.loads(next(line for line in reversed(output) if line.startswith('{"lines_read"')))
    figures.update(session_seconds=reported["session_seconds"], job_seconds=reported["job_seconds"])
    figures["lines_read"] = reported["lines_read"]
    return figures


def same_trends(work: Path) -> bool:
    """Whether the Spark Parquet and the DuckDB table hold the same trend rows."""
    with duckdb.connect(str(work / "duckdb" / "trends.duckdb"), read_only=True) as connection:
        parquet = str(work / "spark" / "tables" / "daily_trends" / "**" / "*.parquet")
        spark = f"select {TREND_COLUMNS} from read_parquet('{parquet}', hive_partitioning = true)"  # noqa: S608 our path
        dbt = f"select {TREND_COLUMNS} from logs.log_daily_trends"  # noqa: S608
        differ = connection.execute(f"select count(*) from (({spark}) except all ({dbt}))").fetchone()[0]
        differ += connection.execute(f"select count(*) from (({dbt}) except all ({spark}))").fetchone()[0]
    return differ == 0


def bench_size(root: Path, gigabytes: float, seed: int = 42, days: int = 7, cores: int | None = None,
               driver_memory: str = "4g") -> dict[str, Any]:  # fmt: skip
    """Generate ``gigabytes`` of logs under ``root``, run both engines on them; every figure."""
    cores = cores or os.cpu_count() or 1
    work = root / f"{gigabytes:g}gb"
    shutil.rmtree(work, ignore_errors=True)
    logs = work / "events"
    started = time.perf_counter()
    manifest = generate_logs(logs, gigabytes, seed=seed, days=days)
    result: dict[str, Any] = {
        "gigabytes": gigabytes, "lines": manifest.lines, "bytes_uncompressed": manifest.bytes_uncompressed,
        "bytes_on_disk": manifest.bytes_on_disk, "files": manifest.files,
        "generate_seconds": round(time.perf_counter() - started, 2), "cores": cores,
    }  # fmt: skip
    log.info(
        "%.2f GB of logs (%s lines, %.0f MB gzipped)", gigabytes, manifest.lines, manifest.bytes_on_disk / 1e6
    )
    result["duckdb"] = run_duckdb(logs, work / "duckdb")
    log.info("duckdb: %s", result["duckdb"])
    result["spark"] = run_spark(logs, work / "spark", cores, driver_memory)
    log.info("spark: %s", result["spark"])
    result["same_trends"] = same_trends(work)
    result["spark_over_duckdb_time"] = round(
        result["spark"]["wall_seconds"] / result["duckdb"]["wall_seconds"], 2
    )
    result["spark_over_duckdb_memory"] = round(result["spark"]["peak_mib"] / result["duckdb"]["peak_mib"], 2)
    shutil.rmtree(logs, ignore_errors=True)
    return result


def run_spark_logs_bench(
    gigabytes: list[float], work: Path | None = None, seed: int = 42
) -> list[dict[str, Any]]:
    """The figures at each size (what ``python -m benchmarks`` calls); logs are removed after each size."""
    root = (work or data_dir() / "bench" / "spark_logs").resolve()
    return [bench_size(root, size, seed) for size in gigabytes]


def format_table(results: list[dict[str, Any]]) -> str:
    """A Markdown table of the figures."""
    lines = [
        "| logs (GB JSON / MB gzip) | lines | DuckDB s | DuckDB peak MiB | Spark s (start-up + job) | Spark peak MiB "
        "| Spark/DuckDB time | same rows |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        duck, spark = r["duckdb"], r["spark"]
        lines.append(
            f"| {r['bytes_uncompressed'] / 1e9:.2f} / {r['bytes_on_disk'] / 1e6:.0f} | {r['lines']:,} "
            f"| {duck['wall_seconds']} | {duck['peak_mib']} | {spark['wall_seconds']} "
            f"({spark['session_seconds']:.0f} + {spark['job_seconds']:.0f}) | {spark['peak_mib']} "
            f"| {r['spark_over_duckdb_time']}x | {r['same_trends']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the bench at each size, print the table, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.spark_logs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--gigabytes", type=float, nargs="+", default=[0.1], help="log sizes (uncompressed)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=data_dir() / "bench" / "spark_logs")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    results = run_spark_logs_bench(arguments.gigabytes, arguments.work, arguments.seed)
    print(format_table(results))
    if arguments.out:
        arguments.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
