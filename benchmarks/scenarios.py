"""The bench's scenarios: the raw load at scale against native ingest, and the whole pipeline through its CLI."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pyarrow.parquet as pq

from settings import DBT_PROJECT_DIR

from .api_process import api_stand_in
from .data import FILE_ROWS, ITEMS_PER_ORDER
from .engines import engine_env, fresh_engine
from .measure import Measurement, run_cli, run_stage

log = logging.getLogger("benchmarks")
NATIVE = {"duckdb": "duckdb_native", "postgres": "postgres_copy"}


def _say(measurement: Measurement) -> Measurement:
    """Log one measurement as it lands."""
    log.info(
        "%-9s %-22s %11s items: %8.2f s  %8.1f MiB  %s rows/s", measurement.engine, measurement.stage,
        f"{measurement.scale:,}", measurement.seconds, measurement.peak_mib, measurement.rows_per_second,
    )  # fmt: skip
    return measurement


def generate(root: Path, n_items: int, seed: int) -> tuple[Path, Measurement]:
    """Write the data of one scale (once for every engine)."""
    folder = root / f"data-{n_items}"
    shutil.rmtree(folder, ignore_errors=True)
    args = {"folder": str(folder), "n_items": n_items, "seed": seed}
    return folder, _say(run_stage("generate", "-", n_items, args, engine_env("duckdb", root / "scratch")))


def _increment(n_items: int) -> int:
    """1% of the items (at least one order), a whole number of orders."""
    return max(ITEMS_PER_ORDER, n_items // 100 // ITEMS_PER_ORDER * ITEMS_PER_ORDER)


def raw_load(
    root: Path, folder: Path, engine: str, n_items: int, seed: int, naive_rows: int
) -> list[Measurement]:
    """Native ingest, the pipeline's load, an incremental load of 1% new files, and the naive paths."""
    work = root / f"{engine}-{n_items}"
    fresh_engine(engine, work)
    env = engine_env(engine, work)
    base = {"folder": str(folder), "tmp": str(work)}
    out = [
        _say(run_stage(NATIVE[engine], engine, n_items, base | {"path": str(work / "native.duckdb")}, env))
    ]
    out.append(_say(run_stage("pipeline_load", engine, n_items, base, env)))
    more = _increment(n_items)
    first = ((n_items + FILE_ROWS - 1) // FILE_ROWS) * FILE_ROWS  # new files, ids after every existing one
    added = run_stage(
        "generate",
        engine,
        more,
        {"folder": str(folder), "n_items": more, "seed": seed, "first_item": first},
        env,
    )
    incremental = run_stage("pipeline_load", engine, more, base, env)
    incremental.stage = "incremental_load"
    incremental.detail |= {"generate_seconds": added.seconds, "of": n_items}
    out.append(_say(incremental))
    for table in ("orders", "order_items"):
        (folder / table / f"part-{first:012d}.parquet").unlink()
    if naive_rows:
        rows = min(naive_rows, n_items)
        for stage in ("pandas_to_sql", "dlt_dicts"):
            args = base | {"rows": rows, "path": str(work / f"{stage}.duckdb")}
            out.append(_say(run_stage(stage, engine, rows, args, env)))
    return out


PIPELINE_STEPS = (
    ("generate_demo", ["generate"]),
    ("extract_load", ["el"]),  # against the API stand-in's own process (api_process.py)
    ("check_raw", ["check", "--stage", "raw"]),
    ("dbt_build", ["transform"]),
    ("checks_publish", ["publish"]),
)


def native_ingest_sql(work: Path, items: int, env: dict[str, str]) -> Measurement:
    """DuckDB's floor for the full run just made: its raw tables ingested natively, then the models' SQL.

    The raw tables are first exported to Parquet (timed apart, not counted); the baseline must build marts
    with the same row counts as the pipeline's, or the comparison is void and the bench stops.
    """
    files, native = work / "native_raw", work / "native" / "warehouse.duckdb"
    manifest = str(work / "dbt_target" / "manifest.json")
    exported = run_stage(
        "export_raw", "duckdb", items,
        {"warehouse": str(work / "warehouse.duckdb"), "manifest": manifest, "out": str(files)}, env,
    )  # fmt: skip
    native.parent.mkdir(parents=True, exist_ok=True)
    args = {
        "files": str(files),
        "manifest": manifest,
        "dbt_project": str(DBT_PROJECT_DIR),
        "path": str(native),
    }
    baseline = run_stage("native_ingest_sql", "duckdb", items, args, env)
    if baseline.detail["marts"] != exported.detail["marts"]:
        raise RuntimeError(
            f"the models' SQL run directly built other marts than the pipeline: {baseline.detail['marts']}"
            f" against {exported.detail['marts']}"
        )
    baseline.detail["export_seconds"] = exported.seconds
    shutil.rmtree(files)
    shutil.rmtree(native.parent)
    return baseline


# Per engine, the floor its whole-pipeline full run is compared with (the engine's native tools doing the same).
PIPELINE_FLOORS = {"duckdb": native_ingest_sql}


def demo_env(work: Path, env: dict[str, str]) -> dict[str, str]:
    """The demo's landing folder and OLTP database as the files and SQL sources' ordinary settings."""
    return env | {
        "SOURCES__JAFFLE_FILES__BUCKET_URL": str(work / "landing"),
        "SOURCES__JAFFLE_OLTP__CREDENTIALS": env["DEMO__OLTP_URL"],
    }


def demo_reruns(root: Path, engine: str, demo_scale: float, seed: int) -> list[Measurement]:
    """``jaffle demo`` from an empty warehouse, then again with nothing new: the rerun must end after
    extract-load and freshness (warehouse/inputs.py) and publish nothing."""
    work = root / f"demo-{engine}-{demo_scale}"
    fresh_engine(engine, work)
    env = engine_env(engine, work)
    arguments = ["demo", "--scale", str(demo_scale), "--seed", str(seed)]
    out = []
    for stage in ("demo_first", "demo_no_op"):
        measurement = run_cli(stage, engine, 0, arguments, env)
        measurement.scale = pq.read_metadata(work / "source" / "items.parquet").num_rows
        out.append(_say(measurement))
    runs = sorted((work / "runs").glob("*.json"), key=lambda path: path.stat().st_mtime)
    steps = [step["name"] for step in json.loads(runs[-1].read_text())["steps"]]
    if steps != ["extract_load", "freshness", "compare_inputs"]:
        raise RuntimeError(
            f"the {engine} rerun with nothing new ran {steps}: not a no-op, the figure is void"
        )
    return out


def whole_pipeline(root: Path, engine: str, demo_scale: float, seed: int) -> list[Measurement]:
    """Every step of ``jaffle demo`` as its own command on the demo data (REST API path), then 1% new orders.

    Extract-load reads the API from the stand-in's own process, as it would read a remote API. On DuckDB
    the full run is followed by its baseline, native ingest plus the models' SQL (native_ingest_sql).
    """
    work = root / f"pipeline-{engine}-{demo_scale}"
    fresh_engine(engine, work)
    env = engine_env(engine, work)
    data = ["--scale", str(demo_scale), "--seed", str(seed)]
    items = 0
    out: list[Measurement] = []
    for run in ("full", "incremental"):
        if run == "incremental":
            # in a process of its own: a child's peak memory starts from its parent's (fork), so the bench's
            # own process must stay small (reading 6.8M orders here raised every later step's peak to 3.5 GB)
            run_stage("append_orders", engine, items, {"work": str(work), "seed": seed}, env)
        for stage, arguments in PIPELINE_STEPS:
            if run == "incremental" and stage == "generate_demo":
                continue
            name = stage if run == "full" else f"{stage}_incremental"
            if stage == "extract_load":
                with api_stand_in(work / "source", work / "api_stand_in.log") as url:
                    measurement = run_cli(
                        name, engine, items, [*arguments, "--api", url], demo_env(work, env)
                    )
            else:
                extra = data if stage == "generate_demo" else []
                measurement = run_cli(name, engine, items, arguments + extra, env)
            if stage == "generate_demo":
                items = pq.read_metadata(work / "source" / "items.parquet").num_rows
            measurement.scale = items
            out.append(_say(measurement))
        floor = PIPELINE_FLOORS.get(engine)
        if run == "full" and floor is not None:
            out.append(_say(floor(work, items, env)))
    return out
