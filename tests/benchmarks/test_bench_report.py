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
