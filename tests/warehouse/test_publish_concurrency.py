"""Readers never see a half-published warehouse: reads running while publishes replace the published marts.

After one demo run, reader threads loop over one snapshot each (the publication's run id and a join of two
published marts) while the main thread publishes three more versions. Before each publish the marts lose a
few orders, so every published version has its own run id and its own, known join result. Every observation
must be exactly one known version: a run id paired with another version's join result is a mixed read.

Readers: on Postgres, each thread has its own connection (as the reader role) and reads in one REPEATABLE
READ transaction. On DuckDB, each thread has a cursor of one shared database instance (the pipeline's file, as
the publish opens it in this process) and reads in one transaction; other threads open the readers' snapshot
file (data/published.duckdb) read-only for every read while publishes replace it, and must never find it half
written.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import settings
from warehouse.cli import main
from warehouse.connection import connect, fetch_all
from warehouse.publish import publish

pytestmark = pytest.mark.slow

SCALE = "0.02"
SEED = "7"
PUBLISHES = 3
ORDERS_REMOVED_PER_PUBLISH = 25
READERS = 4
SNAPSHOT_READERS = 2
PAUSE_BETWEEN_PUBLISHES = 0.7  # seconds: every version is read for a while
LAST_VERSION_WAIT = 60.0  # seconds: every reader reads the last publish within this, even on a busy machine
READ_DEADLINE = 300.0  # seconds: a reader loop never outlives this, whatever happens

JOIN = (
    "select count(*), sum(o.order_total) from {schema}.orders o join {schema}.customers c using (customer_id)"
)
PUBLICATION = "select run_id from {schema}.publication"

Observation = tuple[str, int, Decimal]


def join_result(rows: list[tuple]) -> tuple[int, Decimal]:
    """The join's count and total as exact values, whatever type the driver returned."""
    ((count, total),) = rows
    return int(count), Decimal(str(total))


def read_version(cursor: Any, schema: str = settings.PUBLISHED_SCHEMA) -> Observation:
    """The run id and the join result, read with one cursor (the caller holds the transaction)."""
    cursor.execute(PUBLICATION.format(schema=schema))
    publications = cursor.fetchall()
    assert len(publications) == 1, f"publication holds {len(publications)} rows"
    cursor.execute(JOIN.format(schema=schema))
    return (publications[0][0], *join_result(cursor.fetchall()))


def current_marts_result() -> tuple[int, Decimal]:
    """What the join gives on the marts now, i.e. what the next publish will make visible."""
    with connect() as connection:
        return join_result(fetch_all(connection, JOIN.format(schema=settings.MARTS_SCHEMA)))


def remove_orders(count: int) -> None:
    """Delete the first orders (by id) and their items from the marts, so the next version differs."""
    with connect() as connection:
        cursor = connection.cursor()
        ids = "select order_id from marts.orders order by order_id limit " + str(int(count))
        cursor.execute(f"delete from marts.order_items where order_id in ({ids})")
        cursor.execute(f"delete from marts.orders where order_id in ({ids})")
        if settings.warehouse_name() == "postgres":
            connection.commit()
        cursor.close()


class Readers:
    """Reader threads that record every observation and every error until told to stop."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.start = threading.Barrier(1)
        self.lock = threading.Lock()
        self.observations: dict[str, list[Observation]] = {}
        self.errors: list[str] = []
        self.threads: list[threading.Thread] = []

    def add(self, name: str, read_once: Callable[[], Observation]) -> None:
        """A thread calling ``read_once`` in a loop."""
        self.observations[name] = []

        def loop() -> None:
            deadline = time.monotonic() + READ_DEADLINE
            self.start.wait()
            while not self.stop.is_set() and time.monotonic() < deadline:
                try:
                    observation = read_once()
                except Exception as error:  # every failure counts, whatever its type
                    with self.lock:
                        self.errors.append(f"{name}: {type(error).__name__}: {error}")
                    continue
                self.observations[name].append(observation)

        self.threads.append(threading.Thread(target=loop, name=name, daemon=True))

    def wait_until_every_reader_saw(self, run_id: str, timeout: float) -> None:
        """Return once every reader's latest observation is ``run_id``, or after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(obs and obs[-1][0] == run_id for obs in self.observations.values()):
                return
            time.sleep(0.05)

    @contextmanager
    def running(self) -> Iterator[None]:
        """Start every thread together; stop and join them on the way out."""
        self.start = threading.Barrier(len(self.threads) + 1)
        for thread in self.threads:
            thread.start()
        self.start.wait()
        try:
            yield
        finally:
            self.stop.set()
            for thread in self.threads:
                thread.join(timeout=READ_DEADLINE)
            assert not any(thread.is_alive() for thread in self.threads), "a reader hung"


def postgres_reader() -> Callable[[], Observation]:
    """A reader (as the reader role) with its own connection, one REPEATABLE READ transaction per observation."""
    import psycopg2

    connection = psycopg2.connect(**settings.postgres_credentials(role="reader").psycopg_kwargs())
    connection.set_session(isolation_level="REPEATABLE READ", readonly=True)

    def read_once() -> Observation:
        try:
            with connection.cursor() as cursor:
                return read_version(cursor)
        finally:
            connection.rollback()

    read_once.close = connection.close  # type: ignore[attr-defined]
    return read_once


def duckdb_reader(shared: Any) -> Callable[[], Observation]:
    """A cursor of the shared DuckDB instance, one transaction per observation."""
    cursor = shared.cursor()

    def read_once() -> Observation:
        cursor.execute("begin transaction")
        try:
            return read_version(cursor)
        finally:
            cursor.execute("rollback")

    read_once.close = cursor.close  # type: ignore[attr-defined]
    return read_once


def snapshot_reader(path: Path) -> Callable[[], Observation]:
    """Opens the readers' snapshot file read-only for every observation, as a separate reader would."""
    import duckdb

    def read_once() -> Observation:
        connection = duckdb.connect(str(path), read_only=True)
        try:
            # The file opens as catalog `published` with the tables in its main schema: `published.orders`.
            return read_version(connection.cursor(), schema=settings.PUBLISHED_SCHEMA)
        finally:
            connection.close()

    read_once.close = lambda: None  # type: ignore[attr-defined]
    return read_once


def check(name: str, observations: list[Observation], versions: dict[str, tuple[int, Decimal]]) -> list[str]:
    """Observations that are not exactly one published version."""
    problems = []
    for run_id, count, total in observations:
        if run_id not in versions:
            problems.append(f"{name}: unknown run id {run_id!r} (join {count}, {total})")
        elif versions[run_id] != (count, total):
            others = [other for other, result in versions.items() if result == (count, total)]
            problems.append(
                f"{name}: mixed read: run id {run_id} (join {versions[run_id]}) with join ({count}, {total})"
                f" of {others or 'no published version'}"
            )
    return problems


def test_readers_see_one_whole_version_while_publishes_replace_it(warehouse: str, data_dir: Path):
    assert main(["demo", "--scale", SCALE, "--seed", SEED]) == 0
    with connect() as connection:
        ((first_run_id,),) = fetch_all(connection, PUBLICATION.format(schema=settings.PUBLISHED_SCHEMA))
    versions = {first_run_id: current_marts_result()}

    readers = Readers()
    shared = None
    if warehouse == "postgres":
        makers = [postgres_reader for _ in range(READERS)]
    else:
        import duckdb

        shared = duckdb.connect(str(settings.duckdb_path()))  # the instance publish() will use too
        makers = [lambda: duckdb_reader(shared) for _ in range(READERS)]
        makers += [
            lambda: snapshot_reader(settings.published_snapshot_path()) for _ in range(SNAPSHOT_READERS)
        ]
    read_functions = [make() for make in makers]
    for number, read_once in enumerate(read_functions):
        kind = "snapshot" if number >= READERS else "reader"
        readers.add(f"{kind}-{number}", read_once)

    published_run_ids = [first_run_id]
    publish_errors: list[str] = []
    try:
        with readers.running():
            for number in range(1, PUBLISHES + 1):
                time.sleep(PAUSE_BETWEEN_PUBLISHES)
                remove_orders(ORDERS_REMOVED_PER_PUBLISH)
                run_id = f"concurrency-{number}"
                versions[run_id] = current_marts_result()
                try:
                    publish(run_id)
                except Exception as error:  # reported below, with what the readers saw
                    publish_errors.append(f"publish {run_id}: {type(error).__name__}: {error}")
                    break
                published_run_ids.append(run_id)
            time.sleep(PAUSE_BETWEEN_PUBLISHES)
            readers.wait_until_every_reader_saw(published_run_ids[-1], LAST_VERSION_WAIT)
    finally:
        for read_once in read_functions:
            read_once.close()  # type: ignore[attr-defined]
        if shared is not None:
            shared.close()

    assert len(set(versions.values())) == len(versions), f"versions must differ: {versions}"
    counts = {name: len(observations) for name, observations in readers.observations.items()}
    seen = {
        name: dict(Counter(run_id for run_id, _, _ in observations))
        for name, observations in readers.observations.items()
    }
    print(
        f"\n[{warehouse}] reads per thread: {counts}, total {sum(counts.values())}, errors {len(readers.errors)}"
    )
    print(f"[{warehouse}] versions seen per thread: {seen}; publishes done: {published_run_ids[1:]}")

    problems = [p for name, obs in readers.observations.items() for p in check(name, obs, versions)]
    failures = [
        *(f"failed publish: {error}" for error in publish_errors),
        *(f"failed read: {error}" for error in readers.errors[:10]),
        *(f"wrong read: {problem}" for problem in problems[:10]),
    ]
    assert not failures, (
        f"{len(publish_errors)} publishes failed, {len(readers.errors)} reads failed and {len(problems)} reads"
        " were not one published version:\n" + "\n".join(failures)
    )
    assert all(counts.values()), f"every reader must have read: {counts}"
    last = published_run_ids[-1]
    for name, observations in readers.observations.items():
        assert observations[-1][0] == last, f"{name} never saw the last publish {last}: {seen[name]}"

    if warehouse == "duckdb":
        snapshot = settings.published_snapshot_path()
        assert not list(snapshot.parent.glob(f".{snapshot.name}.*")), (
            "a temporary snapshot file was left behind"
        )
        assert snapshot_reader(snapshot)() == (last, *versions[last])
