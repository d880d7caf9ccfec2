"""One run at a time, on both engines: a second run exits at once, and a killed run never leaves a stale lock.

Then the repair tools: after a run killed mid-load, `jaffle status` lists its pending package and orphan rows,
`jaffle recover` aborts the package, and the next run loads everything once, with the orphans kept out of
staging.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import settings
from warehouse.cli import EXIT_BUSY, main
from warehouse.connection import connect, fetch_all, quote
from warehouse.run_lock import WarehouseBusy, warehouse_lock
from warehouse.status import warehouse_status

SCALE = "0.02"
SEED = "7"
FAULT_CHILD = Path(__file__).parents[1] / "faults" / "fault_child.py"
HOLD_LOCK = """
import sys, time
from pathlib import Path
from warehouse.run_lock import warehouse_lock
with warehouse_lock("held-by-test"):
    Path(sys.argv[1]).write_text("held")
    time.sleep(600)
"""

pytestmark = pytest.mark.slow  # kills and recovers real loads: not in make test-fast


def test_a_second_run_exits_at_once_naming_the_run_that_holds_the_warehouse(warehouse: str, capsys):
    if warehouse == "postgres":
        assert main(["pg-setup"]) == 0
    with warehouse_lock("demo"):
        started = time.monotonic()
        assert main(["el", "--scale", SCALE, "--seed", SEED]) == EXIT_BUSY
        waited = time.monotonic() - started
        error = capsys.readouterr().err
        assert "BUSY" in error and "busy" in error and "wait for it to finish" in error
        assert "`jaffle demo`" in error or "jaffle run demo" in error, error
        assert f"pid {os.getpid()}" in error, error
        with pytest.raises(WarehouseBusy):
            with warehouse_lock("publish"):
                pass
        status = warehouse_status()
        assert status.lock_holder is not None and not status.orphans_counted
    assert waited < 30, f"the second run waited {waited:.0f}s instead of exiting at once"
    if warehouse == "duckdb":
        assert not settings.duckdb_path().exists(), "the refused run must not have opened the warehouse"
    assert warehouse_status().lock_holder is None, "the lock is released when its run ends"


def test_a_killed_run_releases_the_warehouse(warehouse: str, tmp_path: Path):
    if warehouse == "postgres":
        assert main(["pg-setup"]) == 0
    ready = tmp_path / "ready"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(ready)])
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert holder.poll() is None and time.monotonic() < deadline, "the lock holder did not start"
            time.sleep(0.1)
        with pytest.raises(WarehouseBusy, match=f"pid {holder.pid}|held-by-test"):
            with warehouse_lock("el"):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    deadline = time.monotonic() + 10  # the server notices the closed connection of a killed client quickly
    while True:
        try:
            with warehouse_lock("el"):
                break
        except WarehouseBusy:
            assert time.monotonic() < deadline, "the lock of a killed run was not released"
            time.sleep(0.2)


# Raw API tables and their staging models.
STAGING_OF = {
    "customers": "stg_jaffle_api__customers",
    "orders": "stg_jaffle_api__orders",
    "orders__items": "stg_jaffle_api__order_items",
    "products": "stg_jaffle_api__products",
    "stores": "stg_jaffle_api__locations",
    "supplies": "stg_jaffle_api__supplies",
}


def raw_completed_and_staged(table: str) -> tuple[int, int, int]:
    """Rows in a raw API table, rows of completed loads among them, and rows in its staging model."""
    with connect() as connection:
        raw = fetch_all(connection, f"select count(*) from {quote('raw_jaffle_api', table)}")[0][0]
        completed = fetch_all(
            connection,
            f"select count(*) from {quote('raw_jaffle_api', table)} where _dlt_load_id in"
            " (select load_id from raw_jaffle_api._dlt_loads where status = 0)",
        )[0][0]
        staged = fetch_all(connection, f"select count(*) from {quote('staging', STAGING_OF[table])}")[0][0]
    return raw, completed, staged


def test_status_shows_what_a_killed_load_left_and_recover_repairs_it(warehouse: str, capsys):
    assert main(["generate", "--scale", SCALE, "--seed", SEED]) == 0
    # SIGKILL right after the 8th load job of the run was committed: the API source is half loaded.
    child = subprocess.run(
        [sys.executable, str(FAULT_CHILD), "kill_load_job", "8", os.devnull, "--", "el", "--scale", SCALE]
        + ["--seed", SEED],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert child.returncode == -signal.SIGKILL, child.stdout[-2000:] + child.stderr[-2000:]

    capsys.readouterr()
    assert main(["status"]) == 0
    shown = capsys.readouterr().out
    assert "jaffle_api:" in shown and "completed" in shown and "lock: free" in shown, shown
    status = warehouse_status()
    assert [package["pipeline"] for package in status.pending] == ["jaffle_api"]
    assert status.orphan_rows, "the killed load's committed jobs must show as orphan rows"
    assert status.last_run and status.last_run["status"] == "running", "the killed run's record says running"

    assert main(["recover"]) == 0
    assert "aborted: jaffle_api package" in capsys.readouterr().out
    assert warehouse_status().pending == []

    assert main(["demo", "--scale", SCALE, "--seed", SEED]) == 0
    orphaned = [name.split(".")[1] for name in status.orphan_rows if name.startswith("raw_jaffle_api.")]
    assert orphaned, status.orphan_rows
    for table in orphaned:
        raw, completed, staged = raw_completed_and_staged(table)
        # Merged tables replace the orphans by key on the next load; appended ones keep them in raw.
        assert raw >= completed > 0
        assert staged == completed, f"staging holds the completed loads' rows of {table} only"
    with connect() as connection:
        duplicates = fetch_all(
            connection, "select count(*) - count(distinct order_id) from published.orders"
        )[0][0]
    assert duplicates == 0
