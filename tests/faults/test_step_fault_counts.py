"""The events the plan of test_step_faults.py spreads its faults over are the events a run counts today.

The plan's k are chosen from counted events (statements of each kind of dbt node, expectations of each gate,
publish's statements): a change to the dbt project, a suite or publish changes them, and a fault whose k is past
the last event would never fire. This counts a clean run and a run with new orders on each engine
(``fault_child.py count``) and fails naming what to update. It runs with the whole fault suite (``make
test-faults``, ``make test-all``); a sample's few faults do not need it (conftest.py leaves it out).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from test_faults import CHILD, SCALE, SEED, _database
from test_step_faults import EVENTS, GATE_EVENTS, PLAN, PUBLISH_EVENTS, point_at_engine

from demo.data import append_orders, read_manifest
from warehouse import steps

pytestmark = pytest.mark.faults  # with the whole fault suite (make test-faults), not in make test's sample


def _counted() -> Counter:
    """Every event of one ``jaffle run --api local``, the dbt subprocess's included."""
    command = [sys.executable, str(CHILD), "count", "0", os.devnull, "--", "run", "--api", "local"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=1200, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    events: Counter = Counter()
    for line in run.stdout.splitlines():
        for prefix in ("EVENTS ", "DBT_EVENTS "):
            if line.startswith(prefix):
                events.update(json.loads(line.removeprefix(prefix)))
    return events


@pytest.mark.parametrize("warehouse_name", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_plan_counts_the_events_a_run_has_today(
    warehouse_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with _database(warehouse_name) as database:
        point_at_engine(monkeypatch, warehouse_name, tmp_path, database)
        steps.generate_demo_data(float(SCALE), int(SEED))
        counted = {"first": _counted()}
        last = datetime.fromisoformat(read_manifest(data_dir)["last_ordered_at"])
        append_orders(data_dir, seed=1, n_orders=30, start=last + timedelta(days=1))
        counted["next"] = _counted()

    drifted = {
        f"EVENTS[{warehouse_name!r}, {scenario!r}][{fault!r}]": (expected, counted[scenario][fault])
        for scenario in ("first", "next")
        for fault, expected in EVENTS[warehouse_name, scenario].items()
        if counted[scenario][fault] != expected
    }
    shared = {**GATE_EVENTS, "kill_publish_copy": PUBLISH_EVENTS["kill_publish_copy"]}
    if warehouse_name == "duckdb":
        shared |= {fault: PUBLISH_EVENTS[fault] for fault in ("kill_publish_snapshot", "disk_full_snapshot")}
    drifted |= {
        f"{fault} ({scenario})": (expected, counted[scenario][fault])
        for scenario in ("first", "next")
        for fault, expected in shared.items()
        if counted[scenario][fault] != expected
    }
    assert not drifted, f"update the plan's counts in test_step_faults.py (planned, counted now): {drifted}"
    unfired = [
        case.values[:4]
        for case in PLAN
        if case.values[0] == warehouse_name and case.values[2] > counted[case.values[3]][case.values[1]]
    ]
    assert not unfired, f"faults whose k is past the last event counted today: {unfired}"
