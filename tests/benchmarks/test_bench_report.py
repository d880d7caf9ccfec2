"""The bench's report: ratios against the baselines, and the JSON, Markdown and PNG it writes."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.report import ratios, write_report


def _row(engine: str, stage: str, scale: int, seconds: float, **detail) -> dict:
    """One measurement as the bench stores it."""
    return {
        "engine": engine, "stage": stage, "scale": scale, "seconds": seconds, "wall_seconds": seconds + 1,
        "peak_mib": 100.0, "rows": scale, "rows_per_second": round(scale / seconds), "detail": detail,
    }  # fmt: skip


RESULTS = [
    _row("duckdb", "duckdb_native", 1_000, 1.0),
    _row("duckdb", "pipeline_load", 1_000, 2.0),
    _row("duckdb", "incremental_load", 10, 0.1, of=1_000),
    _row("duckdb", "pandas_to_sql", 100, 1.0),
]


def test_ratios_against_native_incremental_and_naive():
    """Native seconds over pipeline seconds, incremental over full, pipeline rate over the naive rate."""
    found = ratios(RESULTS, [1_000], ["duckdb"])
    assert found["duckdb 1,000: load rate / native rate (target >= 0.7)"] == 0.5
    assert found["duckdb 1,000: incremental 1% / full load (target < 0.1)"] == 0.05
    assert found["duckdb: pipeline rate / pandas_to_sql rate"] == 5.0


def test_the_report_is_written_as_json_markdown_and_png(tmp_path: Path):
    """Three files; the Markdown holds one line per measurement and names the machine."""
    machine = {"cpu": "cpu", "cores": 2, "ram_gib": 1, "os": "os", "python": "3.11", "postgres": "16",
               "packages": {"dlt": "1"}, "load_average": [1.0, 1.0, 1.0]}  # fmt: skip
    report = {"machine": machine, "results": RESULTS, "ratios": {"r": 1}, "load_average_end": [2.0]}
    paths = write_report(report, tmp_path)
    assert [path.name for path in paths] == ["bench.json", "bench.md", "bench.png"]
    assert json.loads(paths[0].read_text())["results"] == RESULTS
    assert paths[1].read_text().count("| duckdb |") == len(RESULTS)
    assert paths[2].read_bytes().startswith(b"\x89PNG")


def _pipeline_run(engine: str, items: int, full: float, again: float) -> list[dict]:
    """One whole-pipeline run: four steps of ``full / 4`` seconds, then four of ``again / 4`` for 1% new orders."""
    steps = ("extract_load", "check_raw", "dbt_build", "checks_publish")
    return [_row(engine, step, items, full / 4) for step in steps] + [
        _row(engine, f"{step}_incremental", items, again / 4) for step in steps
    ]


PIPELINES = (
    _pipeline_run("duckdb", 90_000, 40.0, 20.0)
    + _pipeline_run("postgres", 90_000, 60.0, 12.0)
    + [_row("duckdb", "native_ingest_sql", 90_000, 5.0)]
    + _pipeline_run("duckdb", 10_000_000, 900.0, 45.0)
    + [_row("duckdb", "native_ingest_sql", 10_000_000, 100.0)]
)


def test_whole_pipeline_ratios_per_run_against_the_native_floor():
    """Each run (engine, order items) has its own ratios; the floor's ratio is the full run over its seconds."""
    found = ratios(PIPELINES, [], ["duckdb", "postgres"])
    assert found["duckdb: whole pipeline at 90,000 items, 1% new orders / full run (target < 0.1)"] == 0.5
    assert (
        found["duckdb: whole pipeline at 10,000,000 items, 1% new orders / full run (target < 0.1)"] == 0.05
    )
    assert (
        found["duckdb: whole pipeline at 10,000,000 items / (native ingest + the models' SQL) (target < 3)"]
        == 9.0
    )
    assert (
        found["duckdb: whole pipeline at 90,000 items / (native ingest + the models' SQL) (target < 3)"]
        == 8.0
    )
    assert found["postgres: whole pipeline at 90,000 items, 1% new orders / full run (target < 0.1)"] == 0.2
    assert not any(key.startswith("postgres") and "native ingest" in key for key in found)


def test_each_whole_pipeline_run_gets_its_own_panel(tmp_path: Path):
    """Two runs of different sizes are plotted apart (a panel each), next to the raw-load panel."""
    machine = {"cpu": "cpu", "cores": 2, "ram_gib": 1, "os": "os", "python": "3.11", "postgres": "16",
               "packages": {"dlt": "1"}, "load_average": [1.0, 1.0, 1.0]}  # fmt: skip
    report = {"machine": machine, "results": RESULTS + PIPELINES, "ratios": {}, "load_average_end": [2.0]}
    png = write_report(report, tmp_path)[2]
    from PIL import Image

    with Image.open(png) as image:
        width, height = image.size
    assert width == 3 * 5.5 * 110 and height == 4.5 * 110  # one raw-load panel and two pipeline panels
