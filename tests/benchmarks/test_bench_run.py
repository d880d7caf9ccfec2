"""``python -m benchmarks`` from end to end at a tiny size on DuckDB: every scenario runs and the report is written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from settings import PROJECT_ROOT


@pytest.mark.slow
def test_the_bench_measures_every_stage_and_the_floor_rebuilds_the_marts(tmp_path: Path) -> None:
    """Raw load with its baselines, the whole pipeline twice, the native floor with the pipeline's marts, and a
    demo rerun with nothing new."""
    out = tmp_path / "report"
    command = [
        sys.executable, "-m", "benchmarks", "--items", "2000", "--engines", "duckdb", "--naive-rows", "200",
        "--pipeline-scale", "0.02", "--demo-scale", "0.02", "--log-gigabytes", "--work", str(tmp_path / "work"), "--out", str(out),
    ]  # fmt: skip
    finished = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900)
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = json.loads((out / "bench.json").read_text())
    stages = {row["stage"] for row in report["results"]}
    assert {
        "generate", "duckdb_native", "pipeline_load", "incremental_load", "pandas_to_sql", "dlt_dicts",
        "extract_load", "dbt_build", "checks_publish", "extract_load_incremental", "native_ingest_sql",
        "demo_first", "demo_no_op",
    } <= stages  # fmt: skip
    no_op = next(name for name in report["ratios"] if "rerun with nothing new" in name)
    assert (
        0
        < report["ratios"][no_op]
        < next(value for name, value in report["ratios"].items() if "first run seconds" in name)
    ), "a rerun with nothing new is cheaper than the first run"
    floor = next(row for row in report["results"] if row["stage"] == "native_ingest_sql")
    assert floor["detail"]["marts"]["orders"] > 0 and floor["detail"]["marts"]["order_items"] > 0
    assert floor["detail"]["models"] > 20 and floor["seconds"] > 0
    items = floor["scale"]
    assert (
        report["ratios"][
            f"duckdb: whole pipeline at {items:,} items / (native ingest + the models' SQL) (target < 3)"
        ]
        > 0
    )
    assert (out / "bench.md").read_text().count("| duckdb | native_ingest_sql |") == 1
    assert not (tmp_path / "work").exists()  # generated data and warehouses are removed unless --keep
