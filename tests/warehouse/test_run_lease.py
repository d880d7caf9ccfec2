"""A run of many processes (an Airflow DAG run) keeps the warehouse between its steps, on both engines.

While a lease is current, every other run is refused as busy, naming the leased run; the leased run's own steps
go on and renew it; releasing it, or its expiry, frees the warehouse.
"""

from __future__ import annotations

import json
import time

import pytest

from warehouse.cli import EXIT_BUSY, main
from warehouse.run_lease import current_lease, lease_path, release_lease
from warehouse.run_lock import WarehouseBusy, warehouse_lock
from warehouse.status import format_status, warehouse_status

SCALE = "0.02"
SEED = "7"
DAG_RUN = "airflow-manual__2026-12-03T10_00_00"


def test_a_lease_refuses_other_runs_between_the_leased_runs_steps(warehouse: str, capsys):
    if warehouse == "postgres":
        assert main(["pg-setup"]) == 0
    with warehouse_lock("airflow el jaffle_api", lease_holder=DAG_RUN):
        pass  # the step ends and releases the lock; the lease stays
    lease = current_lease()
    assert lease is not None and lease.holder == DAG_RUN

    started = time.monotonic()
    assert main(["el", "--scale", SCALE, "--seed", SEED]) == EXIT_BUSY
    assert time.monotonic() - started < 30, "a refused run exits at once"
    error = capsys.readouterr().err
    assert "BUSY" in error and "leased to" in error and DAG_RUN in error, error
    assert str(lease_path()) in error, "the message names the lease file to remove when its run is dead"
    with pytest.raises(WarehouseBusy, match=DAG_RUN):
        with warehouse_lock("airflow el jaffle_api", lease_holder="airflow-another-dag-run"):
            pass

    status = warehouse_status()
    assert not status.healthy and DAG_RUN in (status.lease or "")
    assert f"lease: {DAG_RUN}" in format_status(status)

    before = lease.expires_at
    time.sleep(0.01)
    with warehouse_lock("airflow dbt run", lease_holder=DAG_RUN):
        renewed = current_lease()
    assert renewed is not None and renewed.expires_at > before, "each step of the leased run renews the lease"

    assert not release_lease("airflow-another-dag-run"), "only the holder gives a lease back"
    assert release_lease(DAG_RUN)
    assert current_lease() is None and warehouse_status().lease is None
    with warehouse_lock("publish"):
        pass


def test_an_expired_lease_frees_the_warehouse(warehouse: str, monkeypatch: pytest.MonkeyPatch):
    if warehouse == "postgres":
        assert main(["pg-setup"]) == 0
    monkeypatch.setenv("ORCHESTRATION__LEASE_SECONDS", "0.2")
    with warehouse_lock("airflow el jaffle_api", lease_holder=DAG_RUN):
        pass
    with pytest.raises(WarehouseBusy):
        with warehouse_lock("el"):
            pass
    time.sleep(0.3)
    assert current_lease() is None
    with warehouse_lock("el"):
        pass
    assert json.loads(lease_path().read_text())["holder"] == DAG_RUN, (
        "an expired lease is ignored, not needed"
    )


def test_a_bad_lease_duration_is_a_clear_error(data_dir, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ORCHESTRATION__LEASE_SECONDS", "0")
    with pytest.raises(ValueError, match="ORCHESTRATION__LEASE_SECONDS"):
        with warehouse_lock("el", lease_holder=DAG_RUN):
            pass
