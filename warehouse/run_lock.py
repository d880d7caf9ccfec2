"""One run at a time per warehouse: a second run exits at once, saying which run holds the warehouse.

DuckDB admits one writing process per file, and two overlapping runs would also claim the same load ids in
dbt's incremental models. The lock is taken before a run's first step and held until its last; each engine
holds it its own way (``Engine.lock``: a ``flock`` on a file beside the warehouse, a Postgres advisory lock),
released however the process ends. A run made of many processes (an Airflow DAG run) also keeps the
warehouse between its steps with a lease (``run_lease``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from engines import WarehouseBusy, current_engine
from engines.lock_holder import describe_holder

from .run_lease import current_lease, renew_lease

__all__ = ["WarehouseBusy", "describe_holder", "warehouse_lock"]


@contextmanager
def warehouse_lock(command: str, lease_holder: str | None = None) -> Iterator[None]:
    """Hold the configured warehouse for one run; raise :class:`WarehouseBusy` at once if another run does.

    Another run also holds the warehouse while its lease is current (``run_lease``: a run of many processes,
    such as an Airflow DAG run, between two of its steps). ``lease_holder`` names the leased run this step
    belongs to: its own lease does not refuse it, and is renewed.
    """
    engine = current_engine()
    with engine.lock(command):
        lease = current_lease()
        if lease is not None and lease.holder != lease_holder:
            raise WarehouseBusy(
                f"the {engine.name} warehouse is leased to {lease.describe()}: that run is between"
                " two of its steps. Wait for it to publish or fail (`jaffle status` shows the lease); if it is"
                " known to be dead, remove the lease file and run again."
            )
        if lease_holder is not None:
            renew_lease(lease_holder)
        yield
