"""Every method of the engine interface, run on DuckDB, Postgres and Spark: one contract, three engines.

DuckDB runs on a temporary file; Postgres on a throw-away database (skipped without a server, failed with
CI=true); Spark in a local session (slow; skipped without Java, failed with CI=true).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import dlt
import pytest
from postgres_server import POSTGRES_ENVIRONMENT
from sql_statements import execute_and_commit

import settings
from engines import WarehouseBusy, current_engine, engine_named
from expectations.target import Targets
from extract_load.destination import LOADER_FILE_FORMAT

RAW = "raw_contract"
LOADED = "raw_contract_dlt"
TABLE = "order"  # a reserved word: only a quoted name works


def _require_java() -> None:
    """Skip without Java; fail when CI=true, where the Spark case must run."""
    if shutil.which("java"):
        return
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail("no Java on PATH: CI=true requires the Spark engine's contract to run", pytrace=False)
    pytest.skip(
        "no Java on PATH: install Java 17 (scripts/install-java.sh) to run the Spark engine's contract"
    )


@pytest.fixture(
    params=[
        "duckdb",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("spark", marks=pytest.mark.slow),
    ]
)
def engine_name(
    request: pytest.FixtureRequest, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The engine chosen by WAREHOUSE, with its warehouse private to the test."""
    name = request.param
    monkeypatch.setenv("WAREHOUSE", name)
    if name == "postgres":
        monkeypatch.setenv(
            "DESTINATION__POSTGRES__CREDENTIALS__DATABASE", request.getfixturevalue("postgres_database")
        )
        for part, value in POSTGRES_ENVIRONMENT.items():
            monkeypatch.setenv(f"DESTINATION__POSTGRES__CREDENTIALS__{part}", value)
    started_here = False
    if name == "spark":
        _require_java()
        monkeypatch.setenv("TZ", "UTC")
        monkeypatch.setenv("SPARK__SHUFFLE_PARTITIONS", "1")
        from pyspark.sql import SparkSession

        # A worker that ran the Spark tests holds their session: the contract runs in it and leaves it running.
        started_here = SparkSession.getActiveSession() is None
    yield name
    if started_here:
        from engines import spark_session

        spark_session.session().stop()
        os.environ.pop("PYSPARK_GATEWAY_PORT", None)


def _land_raw(engine) -> None:
    """A raw table of three rows, one of them from a load that never completed, and dlt's load records."""
    table, loads = engine.quote(RAW, TABLE), engine.quote(RAW, "_dlt_loads")
    with engine.connect(role="loader") as connection:
        execute_and_commit(
            connection,
            f"create schema if not exists {engine.quote(RAW)}",
            f"create table {table} (id int, _dlt_load_id varchar(20))",
            f"insert into {table} values (1, 'a'), (2, 'b'), (3, 'crashed')",
            f"create table {loads} (load_id varchar(20), status int)",
            f"insert into {loads} values ('a', 0), ('b', 0)",
        )


def _build_marts(engine) -> None:
    """A marts table of two rows, as dbt would leave it."""
    marts = engine.quote(settings.MARTS_SCHEMA, "orders")
    with engine.connect() as connection:
        execute_and_commit(
            connection,
            f"create schema if not exists {engine.quote(settings.MARTS_SCHEMA)}",
            f"create table {marts} (order_id int)",
            f"insert into {marts} values (10), (11)",
        )


def test_every_engine_keeps_the_contract(engine_name: str, tmp_path: Path) -> None:
    engine = current_engine()
    assert engine is engine_named(engine_name) and engine.name == engine_name, (
        "chosen by WAREHOUSE, built once"
    )
    assert engine.dbt_target == engine_name
    assert engine.capabilities.supports("el") and engine.capabilities.supports("publish")

    engine.prepare()
    schemas = [RAW, LOADED, settings.MARTS_SCHEMA, settings.PUBLISHED_SCHEMA]
    engine.reset(schemas, [RAW, LOADED])  # a Spark session shared with other tests may hold their marts
    _land_raw(engine)
    assert engine.holds_data()
    with engine.connect(read_only=True) as connection:
        assert engine.schema_tables(connection, RAW) == ["_dlt_loads", TABLE]
        assert {"id", "_dlt_load_id"} <= set(engine.table_columns(connection, RAW, TABLE))
        assert engine.row_counts(connection, RAW, [TABLE]) == {TABLE: 3}
        query = f"select max(id) from {engine.quote(RAW, TABLE)}"
        assert engine.fetch_all(connection, query) == [(3,)]
        assert engine.schema_tables(connection, "no_such_schema") == []
    assert engine.orphan_rows([RAW]) == {f"{RAW}.{TABLE}": 1}

    assert engine.lock_holder() is None
    with engine.lock("contract"):
        holder = engine.lock_holder()
        assert holder and "contract" in str(holder.get("command") or holder.get("application"))
        with pytest.raises(WarehouseBusy, match=f"the {engine_name} warehouse is busy"):
            with engine.lock("second run"):
                pass
    assert engine.lock_holder() is None

    target = engine.validation_target(Targets())
    try:
        target.open()
        assert target.describe() and {"id", "_dlt_load_id"} <= set(target.columns(RAW, TABLE) or ())
        assert target.columns(RAW, "no_such_table") is None
        assert target.row_count(RAW, TABLE) == 3
    finally:
        target.close()

    pipeline = dlt.pipeline(
        "contract", destination=engine.dlt_destination(), pipelines_dir=str(tmp_path / "dlt")
    )
    pipeline.run(
        [{"id": 1}, {"id": 2}],
        table_name="things",
        dataset_name=LOADED,
        loader_file_format=LOADER_FILE_FORMAT,
    )
    engine.register_dataset(LOADED)
    identity = engine.destination_identity()
    assert identity and "password" not in identity.lower()
    with engine.connect(read_only=True) as connection:
        assert engine.row_counts(connection, LOADED, ["things"]) == {"things": 2}
        things = engine.quote(LOADED, "things")
        hashed = f"coalesce(sum({engine.row_hash([engine.quote('id')])}), 0)"
        both, first = (
            engine.fetch_all(connection, f"select {hashed} from {things}{where}")[0][0]
            for where in ("", " where id = 1")
        )
        second = engine.fetch_all(connection, f"select {hashed} from {things} where id = 2")[0][0]
        assert int(both) == int(first) + int(second) and int(first) != int(second), (
            "an order-free sum of row hashes"
        )

    _build_marts(engine)
    published_at, counts = engine.publish("contract-run", "digest-of-the-inputs")
    assert counts == {"orders": 2} and published_at.endswith("Z")
    with engine.published_reader() as connection:
        published = engine.quote(engine.published_schema, "orders")
        assert engine.fetch_all(connection, f"select count(*) from {published}") == [(2,)]
        publication = engine.quote(engine.published_schema, "publication")
        assert engine.fetch_all(connection, f"select run_id, inputs from {publication}") == [
            ("contract-run", "digest-of-the-inputs")
        ], "readers see what the published data was built from"

    environment = engine.dbt_environment()
    assert all(isinstance(value, str) for value in environment.values())
    engine.before_dbt()
    lines = engine.describe()
    assert lines and all(line.startswith(("Warehouse:", "Readers'", "Lake:")) for line in lines)
    url = engine.server_url("jaffle_oltp")
    assert url is None or url.endswith("/jaffle_oltp")
    assert (url is not None) == engine.capabilities.supports_roles

    engine.reset(schemas, [RAW, LOADED])
    if engine.holds_data():  # DuckDB's reset deletes the file itself
        with engine.connect(read_only=True) as connection:
            assert [engine.schema_tables(connection, schema) for schema in schemas] == [[], [], [], []]
