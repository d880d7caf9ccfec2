"""On DuckDB a pipeline writer holds data/warehouse.duckdb while the dashboard is queried: both go on."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import duckdb
import pytest

import settings

pytestmark = pytest.mark.slow

DASHBOARD_QUERIES = (
    "import json; from dashboard import queries, run_history;"
    " print(json.dumps([queries.totals(), len(queries.check_results()), len(run_history.run_rows())]))"
)


def test_a_held_writer_neither_blocks_the_dashboard_nor_is_blocked(dashboard_env: dict) -> None:
    if dashboard_env["WAREHOUSE"] != "duckdb":
        pytest.skip("one writer per file is DuckDB's rule; Postgres readers and writers never block")
    writer = duckdb.connect(str(settings.duckdb_path()))
    try:
        writer.execute("create table if not exists main.dashboard_probe (written_at double)")
        writer.execute("begin transaction")
        writer.execute("insert into main.dashboard_probe values (?)", [time.time()])
        started = time.monotonic()
        answer = subprocess.run(
            [sys.executable, "-c", DASHBOARD_QUERIES], cwd=settings.PROJECT_ROOT,
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        totals, checks, runs = json.loads(answer.stdout)
        assert totals["revenue"] > 0 and checks > 0 and runs == 1
        writer.execute("insert into main.dashboard_probe values (?)", [time.time()])
        writer.execute("commit")
        assert writer.execute("select count(*) from main.dashboard_probe").fetchone()[0] == 2
        assert time.monotonic() - started < 60
    finally:
        writer.execute("drop table if exists main.dashboard_probe")
        writer.close()
