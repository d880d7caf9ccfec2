"""Faults injected into extract-load on both engines; the next run (or the one after) must converge.

Per engine a small demo data set is run once cleanly: its published marts are the reference. Then, for every
fault of the plan, the warehouse starts empty, `jaffle el` runs in a child process that meets the fault
(SIGKILL at a counted point of extract, normalize or load; disk full; the API failing mid-pagination; the
Postgres server restarted mid-load; see fault_child.py), and the next run has to converge by itself: its
extract-load recovers what the crash left (pending packages finished or aborted, cursors rewound, orphan rows
excluded), dbt runs the models, and the marts are published. Converged means the published tables hash equal
to the reference, with zero duplicate keys and zero lost keys. The figures are printed at the end of the
session (conftest.py).

The run after a fault is extract-load, ``dbt run`` and publish: dbt's data tests and the GX gates are proven
by their own suites, and leaving them out here keeps more than a hundred faults within CI's time limit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from postgres_server import POSTGRES_ENVIRONMENT, throwaway_database
from prepared_engines import PreparedEngines
from published_data import published_fingerprint

import settings
from demo.data import append_orders, read_manifest
from warehouse import steps
from warehouse.connection import connect, fetch_all, quote
from warehouse.dbt import dbt_environment
from warehouse.publish import publish
from warehouse.reconcile import reconcile_with_source
from warehouse.reset import reset_warehouse
from warehouse.run_lock import warehouse_lock
from warehouse.runs import RunRecord, StepFailed

pytestmark = [pytest.mark.faults, pytest.mark.slow]

SCALE = "0.02"
SEED = "7"
CHILD = Path(__file__).with_name("fault_child.py")
# The key of every published table: duplicates and losses are counted on these.
KEYS = {
    "customers": ("customer_id",),
    "locations": ("location_id",),
    "orders": ("order_id",),
    "order_items": ("order_item_id",),
    "products": ("product_id",),
    "supplies": ("supply_uuid",),
    "store_daily_revenue": ("location_id", "order_date"),
}

# (fault, k): the fault fires at the k-th occurrence of its event in one `jaffle el` run of the small data set
# (three sources; ~65 extract writes, ~30 load jobs, 6 API pages: `fault_child.py count 0 ...` lists them).
BOTH_ENGINES = [
    *[("kill_extract_write", k) for k in (1, 4, 10, 20, 32, 45, 60)],
    *[("kill_after_extract", k) for k in (1, 2, 3)],
    *[("kill_normalize_write", k) for k in (1, 800, 2000, 3400)],
    *[("kill_after_normalize", k) for k in (1, 2, 3)],
    *[("kill_load_job", k) for k in range(1, 30, 4)],
    *[("kill_before_load_record", k) for k in (1, 2, 3)],
    *[("kill_after_load_record", k) for k in (1, 2, 3)],
    *[("disk_full_extract", k) for k in (1, 12, 30)],
    *[("disk_full_normalize", k) for k in (1, 15, 30)],
    *[("api_failure", k) for k in (2, 4, 6)],
]
POSTGRES_ONLY = [("postgres_restart", k) for k in (2, 12, 24)]
# Under pytest-xdist (--dist loadgroup) each engine's faults stay on one worker: the Postgres faults restart the
# server, which must not cut off another worker's tests; and each engine's reference run is made once.
ON_DUCKDB = pytest.mark.xdist_group("faults-duckdb")
ON_POSTGRES = [pytest.mark.postgres, pytest.mark.xdist_group("faults-postgres")]
PLAN = [pytest.param("duckdb", fault, k, marks=ON_DUCKDB) for fault, k in BOTH_ENGINES] + [
    pytest.param("postgres", fault, k, marks=ON_POSTGRES) for fault, k in BOTH_ENGINES + POSTGRES_ONLY
]
# Faults while a new batch of orders is loaded on top of published data: the cursors must rewind to the last
# completed load, not to the start.
INCREMENTAL = [
    ("kill_extract_write", 1),
    ("kill_after_extract", 1),
    ("kill_after_normalize", 1),
    ("kill_load_job", 2),
    ("kill_load_job", 5),
    ("kill_before_load_record", 1),
    ("kill_after_load_record", 1),
    ("api_failure", 3),
]
INCREMENTAL_PLAN = [pytest.param("duckdb", fault, k, marks=ON_DUCKDB) for fault, k in INCREMENTAL] + [
    pytest.param("postgres", fault, k, marks=ON_POSTGRES) for fault, k in INCREMENTAL
]
NEW_ORDERS = 30


def test_the_plan_injects_at_least_a_hundred_faults_across_both_engines():
    assert len(PLAN) + len(INCREMENTAL_PLAN) + len(DISK_PLAN) >= 100
    assert {fault for fault, _ in BOTH_ENGINES + POSTGRES_ONLY} == {
        "kill_extract_write", "kill_after_extract", "kill_normalize_write", "kill_after_normalize",
        "kill_load_job", "kill_before_load_record", "kill_after_load_record", "disk_full_extract",
        "disk_full_normalize", "api_failure", "postgres_restart",
    }  # fmt: skip


_MANIFESTS: dict[tuple[str, str], Any] = {}


def _warehouse_database() -> tuple[str, str]:
    """The engine and the database dbt's relations are qualified with."""
    if settings.warehouse_name() == "postgres":
        return ("postgres", settings.postgres_credentials().database)
    return ("duckdb", str(settings.duckdb_path()))


def dbt_run() -> None:
    """``dbt run`` in this process (dbt's start-up costs seconds per subprocess, a hundred times over)."""
    from dbt.cli.main import dbtRunner

    project = str(settings.DBT_PROJECT_DIR)
    arguments = [
        "run",
        "--project-dir",
        project,
        "--profiles-dir",
        project,
        "--target",
        settings.warehouse_name(),
    ]
    # The project does not change during the suite: parse it once per engine and database (a manifest names
    # the database its relations live in, and each Postgres engine has a throw-away database of its own).
    where = _warehouse_database()
    manifest = _MANIFESTS.get(where)
    if manifest is None:
        parsed = dbtRunner().invoke(["parse", *arguments[1:], "--quiet"])
        if not parsed.success:
            raise StepFailed(f"dbt parse failed: {parsed.exception or 'see the output above'}")
        manifest = _MANIFESTS[where] = parsed.result
    result = dbtRunner(manifest=manifest).invoke([*arguments, "--quiet"])
    if settings.warehouse_name() == "duckdb":
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        # dbt-duckdb keeps its database open in-process; DuckDB would hand that stale instance to the next
        # opener of the same path after a reset. Close it, as the end of a dbt process does.
        DuckDBConnectionManager.close_all_connections()
    if not result.success:
        raise StepFailed(f"dbt run failed after a fault: {result.exception or 'see the output above'}")


def run_after_fault() -> dict[str, Any]:
    """One run as the pipeline does it, minus dbt's tests and the gates: extract-load, dbt run, publish."""
    record = RunRecord()
    with warehouse_lock("fault-suite run"):
        loads = steps.extract_load(record, "local")
        dbt_run()
        publish(record.run_id)
    return loads


def published_keys() -> dict[str, list[tuple]]:
    """Every published table's key values, one tuple per row."""
    with connect() as connection:
        return {
            table: fetch_all(
                connection,
                f"select {', '.join(quote(c) for c in key)} from {quote(settings.PUBLISHED_SCHEMA, table)}",
            )
            for table, key in KEYS.items()
        }


@contextmanager
def _prepared_engine(name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """One engine with the small demo data generated and a clean run's published marts as the reference."""
    data_dir = tmp_path_factory.mktemp(f"faults-{name}") / "data"
    data_dir.mkdir()
    with pytest.MonkeyPatch.context() as patch, _database(name) as database:
        patch.setenv("WAREHOUSE", name)
        patch.setenv("PROJECT__DATA_DIR", str(data_dir))
        patch.delenv("DESTINATION__DUCKDB__CREDENTIALS", raising=False)
        patch.setenv("DEMO__OLTP_URL", f"sqlite:///{data_dir / 'source' / 'oltp.sqlite'}")
        # A failing API is not retried for long: the fault run fails fast, the next run succeeds.
        patch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "2")
        patch.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0")
        if database:
            patch.setenv("DESTINATION__POSTGRES__CREDENTIALS__DATABASE", database)
            for part, value in POSTGRES_ENVIRONMENT.items():
                patch.setenv(f"DESTINATION__POSTGRES__CREDENTIALS__{part}", value)
            from engines.postgres_admin import prepare_postgres

            prepare_postgres()
        for variable, value in dbt_environment().items():  # what `jaffle` hands its dbt subprocess
            patch.setenv(variable, value)
        steps.generate_demo_data(float(SCALE), int(SEED))
        run_after_fault()
        reference = {"fingerprint": published_fingerprint(), "keys": published_keys()}
        assert all(reference["keys"].values()), "the clean run must publish every table"
        yield {"name": name, "data_dir": data_dir, **reference}


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PreparedEngines]:
    """The module's prepared engines (one at a time), closed at the end of the module."""
    prepared = PreparedEngines(_prepared_engine, tmp_path_factory)
    yield prepared
    prepared.close()


@pytest.fixture
def engine(request: pytest.FixtureRequest, engines: PreparedEngines) -> dict:
    """The engine a fault test names (``indirect``), with its data set and reference."""
    return engines.get(request.param)


class _database:
    """A throw-away Postgres database for the Postgres engine, nothing for DuckDB."""

    def __init__(self, engine: str) -> None:
        self._context = throwaway_database("jaffle_faults") if engine == "postgres" else None

    def __enter__(self) -> str | None:
        return self._context.__enter__() if self._context else None

    def __exit__(self, *exc: object) -> None:
        if self._context:
            self._context.__exit__(*exc)


def can_restart_postgres() -> bool:
    """Whether this machine's Postgres server can be restarted the way the fault does it."""
    return shutil.which("pg_ctlcluster") is not None and Path("/etc/postgresql").is_dir()


def inject(fault: str, k: int, fired_file: Path) -> subprocess.CompletedProcess:
    """Run `jaffle el` in a child process that meets the fault."""
    command = [sys.executable, str(CHILD), fault, str(k), str(fired_file), "--"]
    command += ["el", "--scale", SCALE, "--seed", SEED]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)


def key_figures(reference: dict[str, list[tuple]], actual: dict[str, list[tuple]]) -> dict[str, int]:
    """Duplicate keys, reference keys missing, and keys the reference does not have, over all tables."""
    duplicates = lost = unexpected = 0
    for table, expected in reference.items():
        rows = actual[table]
        duplicates += len(rows) - len(set(rows))
        lost += len(set(expected) - set(rows))
        unexpected += len(set(rows) - set(expected))
    return {"duplicate_keys": duplicates, "lost_keys": lost, "unexpected_keys": unexpected}


def record_figures(request: pytest.FixtureRequest, figures: dict[str, Any]) -> None:
    """Attach one fault's figures to its test report (conftest.py sums them, also across xdist workers)."""
    request.node.user_properties.append(("fault_figures", figures))


@pytest.mark.parametrize("engine, fault, k", PLAN, indirect=["engine"])
def test_the_run_after_a_fault_converges(
    engine: dict, fault: str, k: int, tmp_path: Path, request: pytest.FixtureRequest
):
    engine_name = engine["name"]
    if fault == "postgres_restart" and not can_restart_postgres():
        reason = "restarting Postgres needs pg_ctlcluster and /etc/postgresql (a Debian-managed local server)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}: CI=true requires every fault to run", pytrace=False)
        pytest.skip(reason)
    reset_warehouse()
    fired_file = tmp_path / "fired.json"
    child = inject(fault, k, fired_file)
    assert fired_file.exists(), (
        f"{fault} #{k} never fired (exit {child.returncode}); the plan must stay within the run's events:\n"
        + child.stdout[-1500:]
        + child.stderr[-1500:]
    )
    assert child.returncode != 0 or fault.startswith("postgres"), "a fault that fired must fail its run"

    runs_after, recovered, error = 0, [], None
    for _ in range(2):  # the next run, or the one after, must converge
        runs_after += 1
        try:
            loads = run_after_fault()
            recovered += [package for load in loads.values() for package in load["recovered"]]
            error = None
            break
        except (StepFailed, RuntimeError) as failure:
            error = failure
    figures = {
        "engine": engine_name,
        "fault": f"{fault}#{k}",
        "injected": 1,
        "exit": child.returncode,
        "runs_after": runs_after,
        "aborted": sum(package["action"] == "aborted" for package in recovered),
        "finished": sum(package["action"] == "finished" for package in recovered),
        "rebuilt": sum(package["action"] == "rebuilt from the warehouse" for package in recovered),
        "converged": 0,
        "duplicate_keys": 0,
        "lost_keys": 0,
        "unexpected_keys": 0,
    }
    try:
        assert error is None, f"two runs after {fault}#{k} did not succeed: {error}"
        figures |= key_figures(engine["keys"], published_keys())
        assert published_fingerprint() == engine["fingerprint"], "published marts differ from the clean run's"
        assert figures["duplicate_keys"] == figures["lost_keys"] == figures["unexpected_keys"] == 0
        figures["converged"] = 1
    finally:
        record_figures(request, figures)


def source_keys(data_dir: Path) -> dict[str, set]:
    """The order and order item ids of the source system behind the API."""
    return {
        "orders": {(key,) for key in pq.read_table(data_dir / "source" / "orders.parquet")["id"].to_pylist()},
        "order_items": {
            (key,) for key in pq.read_table(data_dir / "source" / "items.parquet")["id"].to_pylist()
        },
    }


@pytest.mark.parametrize("engine, fault, k", INCREMENTAL_PLAN, indirect=["engine"])
def test_a_fault_while_a_new_batch_loads_converges_on_the_source(
    engine: dict, fault: str, k: int, tmp_path: Path, request: pytest.FixtureRequest
):
    """Runs after the full-load faults of its engine: the warehouse holds published data, the API gains orders.

    There is no clean run of each batch to compare with, so the marts are compared with the source itself:
    the same orders, items, customers and revenue, every source order and item id published exactly once.
    """
    data_dir = engine["data_dir"]
    if not published_keys()["orders"]:
        run_after_fault()  # the warehouse of the previous test may have been reset
    last = datetime.fromisoformat(read_manifest(data_dir)["last_ordered_at"])
    append_orders(data_dir, seed=k, n_orders=NEW_ORDERS, start=last + timedelta(days=1))
    fired_file = tmp_path / "fired.json"
    child = inject(fault, k, fired_file)
    assert fired_file.exists(), (
        f"{fault} #{k} never fired (exit {child.returncode}):\n" + child.stdout[-1500:]
    )
    assert child.returncode != 0, "a fault that fired must fail its run"

    check_against_source(request, engine, f"incremental {fault}#{k}", child.returncode)


def check_against_source(request: pytest.FixtureRequest, engine: dict, label: str, exit_code: int) -> None:
    """Run once after the fault; the published marts must equal the source system. Record the figures."""
    loads = run_after_fault()  # the next run must converge by itself
    recovered = [package for load in loads.values() for package in load["recovered"]]
    data_dir = engine["data_dir"]
    expected = source_keys(data_dir)
    published = published_keys()
    duplicates = sum(len(published[t]) - len(set(published[t])) for t in expected)
    lost = sum(len(expected[t] - set(published[t])) for t in expected)
    unexpected = sum(len(set(published[t]) - expected[t]) for t in expected)
    reconciliation = reconcile_with_source(read_manifest(data_dir), schema=settings.PUBLISHED_SCHEMA)
    converged = (
        all(result["equal"] for result in reconciliation.values()) and duplicates == lost == unexpected == 0
    )
    record_figures(
        request,
        {
            "engine": engine["name"],
            "fault": label,
            "injected": 1,
            "exit": exit_code,
            "runs_after": 1,
            "aborted": sum(package["action"] == "aborted" for package in recovered),
            "finished": sum(package["action"] == "finished" for package in recovered),
            "rebuilt": sum(package["action"] == "rebuilt from the warehouse" for package in recovered),
            "converged": int(converged),
            "duplicate_keys": duplicates,
            "lost_keys": lost,
            "unexpected_keys": unexpected,
        },
    )
    assert converged, (
        f"after {label}: {reconciliation}; {duplicates} duplicate, {lost} lost, {unexpected} unexpected keys"
    )


# Sizes of a RAM disk mounted as dlt's working folder, each too small for one run of the small data set
# (which needs about 1 MiB there): the disk fills up at a different point of the run.
DISK_SIZES = ("128k", "320k", "640k")
DISK_PLAN = [pytest.param("duckdb", size, marks=ON_DUCKDB) for size in DISK_SIZES] + [
    pytest.param("postgres", size, marks=ON_POSTGRES) for size in DISK_SIZES
]


def can_mount() -> bool:
    """Whether this process may mount a RAM disk (root, with mount allowed)."""
    return os.geteuid() == 0 and shutil.which("mount") is not None


@pytest.mark.parametrize("engine, size", DISK_PLAN, indirect=["engine"])
def test_a_full_disk_under_the_working_folder_converges_once_space_is_freed(
    engine: dict, size: str, request: pytest.FixtureRequest
):
    """A real ENOSPC: dlt's working folder is a RAM disk too small for the run; then space is freed."""
    if not can_mount():
        reason = "a real full disk needs root to mount a small RAM disk"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}: CI=true requires every fault to run", pytrace=False)
        pytest.skip(reason)
    from extract_load.destination import pipelines_dir

    reset_warehouse()
    working = pipelines_dir()
    working.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(working)], check=True)
    try:
        child = subprocess.run(
            [sys.executable, "-m", "warehouse.cli", "el", "--scale", SCALE, "--seed", SEED],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert child.returncode != 0 and "No space left on device" in child.stdout + child.stderr, (
            f"the run did not meet a full disk (exit {child.returncode}):\n{child.stderr[-1500:]}"
        )
        failure = child.stderr[child.stderr.rfind("FAILED:") :]
        assert "FAILED:" in child.stderr and "ree disk space where the pipeline works" in failure, failure[
            -1500:
        ]
        subprocess.run(["mount", "-o", "remount,size=256m", str(working)], check=True)  # space is freed
        check_against_source(request, engine, f"disk full at {size}", child.returncode)
    finally:
        subprocess.run(["umount", "--lazy", str(working)], check=False)
