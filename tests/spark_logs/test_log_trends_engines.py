"""The Spark job and the dbt models on DuckDB give the same trends and line counts from the same log files.

Two log sets: a hand-written one whose every trend row is known (session gaps of exactly 30 minutes and one
millisecond more, a tie at the same millisecond, a session past midnight, duplicates across day folders, each
dirty kind), and a generated one of a few MB checked against the generator's manifest. One Spark session for
the module; the dbt builds run meanwhile.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from demo.event_logs import generate_logs
from settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.slow
DBT = str(Path(sys.executable).with_name("dbt"))
D1, D2 = date(2024, 3, 1), date(2024, 3, 2)


def _event(event_id: str, at: str, visitor: str, store: str, kind: str, path: str, **extra: Any) -> str:
    """One JSON line (``at`` is the time of day on 2024-03-01 unless it names a date)."""
    stamp = at if "T" in at else f"2024-03-01T{at}Z"
    record = {"event_id": event_id, "event_time": stamp, "visitor_id": visitor, "store": store,
              "event_type": kind, "path": path, "status": 200, **extra}  # fmt: skip
    return json.dumps({k: v for k, v in record.items() if v != "<absent>"})


DAY_ONE = [
    _event("a1", "09:00:00.000", "a", "Brooklyn", "page_view", "/"),
    _event("a1", "09:00:00.000", "a", "Brooklyn", "page_view", "/"),  # the same line twice
    _event("a2", "09:30:00.000", "a", "Brooklyn", "page_view", "/menu"),  # exactly 30 minutes: same session
    _event("a3", "10:00:00.001", "a", "Brooklyn", "page_view", "/menu"),  # 30 minutes and 1 ms: a new one
    _event("b1", "12:00:00.000", "b", "Chicago", "page_view", "/menu"),  # a tie: b1 before b2 by event id
    _event("b2", "12:00:00.000", "b", "Philadelphia", "order", "/order/confirmed", status=201),
    _event("c1", "23:55:00.000", "c", "Los Angeles", "page_view", "/"),
    '{"event_id":"x1","event_time":"2024-03-01T1',  # truncated
    _event("x2", "13:00:00.000", "x", "<absent>", "page_view", "/"),
    _event("x3", "2024-03-01T10:00:00+02:00", "x", "Brooklyn", "page_view", "/"),
    _event("x4", "2024-02-30T10:00:00.000Z", "x", "Brooklyn", "page_view", "/"),
    _event("x5", "13:00:00.000", "x", None, "page_view", "/"),
]
DAY_TWO = [
    _event("c2", "2024-03-02T00:10:00.000Z", "c", "Los Angeles", "error", "/checkout", status=503),
    *(
        _event(f"d{n}", f"2024-03-02T08:0{n}:00.000Z", "d", "Brooklyn", "page_view", path)
        for n, path in enumerate(["/b", "/a", "/b", "/c", "/a", "/d"], start=1)
    ),
    _event("a3", "11:00:00.000", "a", "Brooklyn", "page_view", "/later"),  # a later copy of a3: rejected
]
EXPECTED_QUALITY = [
    {"log_date": D1, "lines_read": 12, "events_kept": 6, "rejected_malformed": 1, "rejected_missing_field": 2,
     "rejected_bad_timestamp": 2, "rejected_duplicate": 1},
    {"log_date": D2, "lines_read": 8, "events_kept": 7, "rejected_malformed": 0, "rejected_missing_field": 0,
     "rejected_bad_timestamp": 0, "rejected_duplicate": 1},
]  # fmt: skip
TREND_COLUMNS = ("event_date", "store_name", "sessions", "visitors", "converted_sessions", "conversion_rate",
                 "events", "error_events", "top_paths")  # fmt: skip
EXPECTED_TRENDS = [
    dict(zip(TREND_COLUMNS, row, strict=True))
    for row in [
        (D1, "Brooklyn", 2, 1, 0, 0.0, 3, 0, "/menu|/"),
        (D1, "Chicago", 1, 1, 1, 1.0, 2, 0, "/menu"),
        (D1, "Los Angeles", 1, 1, 0, 0.0, 2, 1, "/"),
        (D2, "Brooklyn", 1, 1, 0, 0.0, 6, 0, "/a|/b|/c"),
    ]
]


def _write_day(root: Path, day: date, lines: list[str]) -> None:
    """One gzipped part file in the day's folder."""
    folder = root / f"date={day}"
    folder.mkdir(parents=True)
    with gzip.open(folder / "part-0000.jsonl.gz", "wt") as handle:
        handle.write("\n".join(lines) + "\n")


def _start_dbt(logs: Path, work: Path) -> subprocess.Popen:
    """``dbt build --select logs`` over ``logs`` into a DuckDB file of its own, in the background."""
    env = {**os.environ, "WAREHOUSE": "duckdb", "JAFFLE_DBT_EVENT_LOGS": str(logs),
           "JAFFLE_DBT_SOURCES": "jaffle_api,jaffle_files,jaffle_oltp",
           "DESTINATION__DUCKDB__CREDENTIALS": str(work / "trends.duckdb")}  # fmt: skip
    project = str(DBT_PROJECT_DIR)
    command = [DBT, "build", "--select", "logs", "--project-dir", project, "--profiles-dir", project,
               "--target", "duckdb", "--target-path", str(work / "target"), "--log-path", str(work / "logs")]  # fmt: skip
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _normalised(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows sorted, numbers as int, rates rounded to 9 places."""
    fixed = [{k: round(v, 9) if isinstance(v, float) else v for k, v in row.items()} for row in rows]
    return sorted(fixed, key=lambda row: tuple(str(v) for v in row.values()))


def _duckdb_tables(process: subprocess.Popen, work: Path) -> dict[str, list[dict[str, Any]]]:
    """Wait for the dbt build, then both tables' rows."""
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, output[-6000:]
    with duckdb.connect(str(work / "trends.duckdb"), read_only=True) as connection:
        tables = {}
        for name in ("log_daily_quality", "log_daily_trends"):
            relation = connection.table(f"logs.{name}")
            tables[name] = _normalised(
                [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
            )
    return tables


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Both engines' tables for the hand-written and the generated log sets, and the generator's manifest."""
    from spark_jobs.log_trends import local_session, run

    root = tmp_path_factory.mktemp("log_trends")
    edge = root / "edge" / "events"
    _write_day(edge, D1, DAY_ONE)
    _write_day(edge, D2, DAY_TWO)
    manifest = generate_logs(root / "generated" / "events", 0.004, seed=11, days=3)
    builds = {name: _start_dbt(root / name / "events", root / name) for name in ("edge", "generated")}
    spark = local_session(root / "spark")
    found: dict[str, Any] = {"manifest": manifest}
    try:
        for name in builds:
            counts = run(spark, root / name / "events", root / "spark" / name)
            found[name] = {
                "counts": counts,
                "spark": {
                    "log_daily_quality": _normalised(
                        [r.asDict() for r in spark.table("log_trends.daily_quality").collect()]
                    ),
                    "log_daily_trends": _normalised(
                        [
                            {c: r[c] for c in TREND_COLUMNS}
                            for r in spark.table("log_trends.daily_trends").collect()
                        ]
                    ),
                },
            }
    finally:
        spark.stop()
    for name, process in builds.items():
        found[name]["duckdb"] = _duckdb_tables(process, root / name)
    yield found


def test_edge_cases_give_the_expected_rows_on_both_engines(results: dict[str, Any]):
    edge = results["edge"]
    for engine in ("spark", "duckdb"):
        assert edge[engine]["log_daily_quality"] == _normalised(EXPECTED_QUALITY), engine
        assert edge[engine]["log_daily_trends"] == _normalised(EXPECTED_TRENDS), engine


def test_generated_logs_give_equal_trends_and_counts(results: dict[str, Any]):
    generated = results["generated"]
    spark, duck = generated["spark"], generated["duckdb"]
    assert spark["log_daily_quality"] == duck["log_daily_quality"]
    assert spark["log_daily_trends"] == duck["log_daily_trends"]
    trends = duck["log_daily_trends"]  # six stores a day, most with page views; edge-case sessions add rows
    assert len(trends) >= 3 * 6 and sum(1 for row in trends if row["top_paths"]) >= 3 * 6


def test_nothing_is_lost_silently(results: dict[str, Any]):
    """Lines read = kept + rejected, and each count is the generator's own."""
    manifest, counts = results["manifest"], results["generated"]["counts"]
    assert counts["lines_read"] == manifest.lines
    assert counts["events_kept"] == manifest.clean_events
    assert {kind: counts[f"rejected_{kind}"] for kind in manifest.dirty} == manifest.dirty
