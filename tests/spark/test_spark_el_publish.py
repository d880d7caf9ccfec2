"""On Spark, the CLI's extract-load registers what it landed, and publish makes a new version visible whole.

Extract-load: the demo's three sources land in the lake and every raw table is declared in the metastore by
the step itself (``warehouse.steps.extract_load``), with as many rows as the load reports; the load report is
registered as ``pipeline_runs.table_loads``. Reset drops those databases and the lake's raw datasets, and the
next extract-load loads every row again.

Publish (``engines/spark_publish.py``): marts are copied into ``published_versions`` and the views of the
``published`` database switch to the new version only once every copy exists; a copy that fails leaves the
views on the previous version; two versions are kept; a mart that left the marts leaves the published views.

And ``jaffle demo`` runs every step on Spark and publishes every mart.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import settings
from engines import spark_publish
from engines import spark_session as spark
from warehouse import steps
from warehouse.publish import publish
from warehouse.reset import reset_warehouse
from warehouse.runs import RunRecord

pytestmark = pytest.mark.slow

DATABASES = (*settings.raw_datasets(), settings.REPORTS_DATASET, "marts", "published", "published_versions")


@pytest.fixture
def on_spark(spark_session: Any, spark_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The Spark target, its databases dropped afterwards (the session and its metastore serve other tests)."""
    monkeypatch.setenv("WAREHOUSE", "spark")
    monkeypatch.setenv("PROJECT__DATA_DIR", str(spark_data_dir / "el_publish"))
    monkeypatch.setenv("DEMO__OLTP_URL", f"sqlite:///{spark_data_dir / 'el_publish' / 'oltp.sqlite'}")
    yield spark_session
    reset_warehouse()  # the session and its metastore serve the other Spark tests of this process


def test_extract_load_registers_every_landed_table_and_reset_starts_afresh(on_spark: Any) -> None:
    steps.generate_demo_data(0.02, 7)
    detail = steps.extract_load(RunRecord(run_id="spark-el"), "local")
    for source, load in detail.items():
        dataset = f"raw_{source}"
        registered = set(spark.schema_tables(dataset))
        assert set(load["rows"]) <= registered, (
            f"{dataset}: landed {sorted(load['rows'])}, registered {registered}"
        )
        assert "_dlt_loads" in registered
        for table, rows in load["rows"].items():
            counted = spark.fetch_all(f"select count(*) from {spark.quote(dataset, table)}")[0][0]
            assert counted == rows, f"{dataset}.{table}: {counted} rows in the metastore, {rows} loaded"
    reported = spark.fetch_all("select count(*), count(distinct run_id) from pipeline_runs.table_loads")
    assert reported[0][0] > 0 and reported[0][1] == 1

    reset_warehouse()
    left = [database for database in DATABASES if on_spark.catalog.databaseExists(database)]
    assert not left, f"reset left these metastore databases: {left}"
    lake = Path(spark.lake_url())
    assert not [dataset for dataset in DATABASES if (lake / dataset).exists()], (
        "reset left raw data in the lake"
    )
    again = steps.extract_load(RunRecord(run_id="spark-el-after-reset"), "local")
    assert {source: load["rows"] for source, load in again.items()} == {
        source: load["rows"] for source, load in detail.items()
    }, "after a reset, extract-load starts afresh and loads every row again"


def _marts(orders: list[tuple[int, float]], with_customers: bool = True) -> None:
    """Hand-made marts: orders (and customers unless told)."""
    session = spark.session()
    session.sql("create database if not exists marts")
    session.sql("drop table if exists marts.orders")
    session.createDataFrame(orders, "order_id long, order_total double").write.saveAsTable("marts.orders")
    session.sql("drop table if exists marts.customers")
    if with_customers:
        session.createDataFrame([(1, "ann")], "customer_id long, name string").write.saveAsTable(
            "marts.customers"
        )


def _published_orders() -> list[tuple]:
    return sorted(spark.fetch_all("select order_id, order_total from published.orders"))


def _publication() -> tuple:
    return spark.fetch_all("select run_id, version from published.publication")[0]


def test_publish_switches_views_only_to_a_whole_version(
    on_spark: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _marts([(1, 10.0), (2, 20.0)])
    first = publish("run-1")
    assert first.row_counts == {"customers": 1, "orders": 2}
    assert _published_orders() == [(1, 10.0), (2, 20.0)] and _publication() == ("run-1", 1)

    _marts([(1, 10.0), (2, 20.0), (3, 30.0)])
    real_sql = on_spark.sql

    def fail_on_orders_copy(statement: str, *args: Any, **kwargs: Any) -> Any:
        if statement.startswith("create table") and "orders__v2" in statement:
            raise RuntimeError("disk full while copying orders")
        return real_sql(statement, *args, **kwargs)

    monkeypatch.setattr(on_spark, "sql", fail_on_orders_copy)
    with pytest.raises(RuntimeError, match="disk full"):
        publish("run-2")
    monkeypatch.setattr(on_spark, "sql", real_sql)
    assert _published_orders() == [(1, 10.0), (2, 20.0)] and _publication() == ("run-1", 1)
    assert set(spark_publish.published_versions()) == {1}, "the half-copied version is dropped"

    second = publish("run-2")
    assert second.row_counts["orders"] == 3 and _publication() == ("run-2", 2)
    assert _published_orders() == [(1, 10.0), (2, 20.0), (3, 30.0)]
    pinned = sorted(spark.fetch_all("select order_id from published_versions.orders__v1"))
    assert pinned == [(1,), (2,)], "the previous version stays for readers pinned to it"

    _marts([(4, 40.0)], with_customers=False)
    publish("run-3")
    assert set(spark_publish.published_versions()) == {2, 3}, "two versions are kept"
    assert set(spark.schema_tables("published")) == {"orders", "publication"}, (
        "a mart that left is unpublished"
    )
    assert _published_orders() == [(4, 40.0)] and _publication() == ("run-3", 3)


def test_jaffle_demo_runs_every_step_on_spark(
    on_spark: Any, spark_data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """generate, el, raw gate, freshness, dbt build, reconcile, marts gate, publish: one command on Spark."""
    from warehouse.cli import main

    monkeypatch.setenv("PROJECT__DATA_DIR", str(spark_data_dir / "demo"))
    monkeypatch.setenv("DEMO__OLTP_URL", f"sqlite:///{spark_data_dir / 'demo' / 'oltp.sqlite'}")
    assert main(["demo", "--scale", "0.02", "--seed", "7"]) == 0, capsys.readouterr().err[-3000:]
    output = capsys.readouterr().out
    assert "on spark: ok" in output and "raw      passed" in output and "marts    passed" in output
    ((run_id, version),) = spark.fetch_all("select run_id, version from published.publication")
    assert version == 1 and run_id in output
    for table in spark.schema_tables("marts"):
        published = spark.fetch_all(f"select count(*) from {spark.quote('published', table)}")[0][0]
        built = spark.fetch_all(f"select count(*) from {spark.quote('marts', table)}")[0][0]
        assert published == built > 0, table

    assert main(["demo", "--scale", "0.02", "--seed", "7"]) == 0, capsys.readouterr().err[-3000:]
    assert "Nothing changed since run" in capsys.readouterr().out, "a rerun with nothing new builds nothing"
    assert spark.fetch_all("select run_id, version from published.publication") == [(run_id, version)]


ORPHAN_LOAD_ID = "9999999999.000001"  # a load with no completed _dlt_loads row


def _add_orphan_order() -> None:
    """One order of a load that never completed, as a Parquet file in the lake's orders folder."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(spark.lake_url()) / "raw_jaffle_api" / "orders"
    first = next(folder.glob("*.parquet"))
    row = pq.read_table(first).slice(0, 1).to_pylist()[0] | {
        "id": "orphan-order",
        "_dlt_load_id": ORPHAN_LOAD_ID,
    }
    pq.write_table(pa.Table.from_pylist([row], schema=pq.read_schema(first)), folder / "orphan.parquet")


def test_status_counts_orphans_and_recover_aborts_a_pending_package(
    on_spark: Any, capsys: pytest.CaptureFixture
) -> None:
    import dlt

    from extract_load.pipeline import source_pipeline
    from warehouse.cli import main
    from warehouse.status import recover, warehouse_status

    steps.generate_demo_data(0.02, 7)
    steps.extract_load(RunRecord(run_id="spark-status"), "local")
    _add_orphan_order()
    # A run killed after normalize, before its load: the package stays pending in dlt's working folder.
    pipeline = source_pipeline("jaffle_api")
    pipeline.extract(dlt.resource([{"id": "killed-run"}], name="orders_of_a_killed_run"))
    pipeline.normalize()
    (pending_load,) = pipeline.list_normalized_load_packages()

    status = warehouse_status()
    assert status.warehouse == "spark" and status.orphans_counted
    assert status.orphan_rows == {"raw_jaffle_api.orders": 1}, status.orphan_rows
    assert [(package["pipeline"], package["load_id"]) for package in status.pending] == [
        ("jaffle_api", pending_load)
    ]
    assert not status.healthy
    assert main(["status"]) == 0
    printed = capsys.readouterr().out
    assert "raw_jaffle_api.orders: 1" in printed and pending_load in printed, printed

    actions = recover()
    assert [(action["load_id"], action["action"]) for action in actions] == [(pending_load, "aborted")]
    after = warehouse_status()
    assert after.pending == [] and after.healthy
    assert "orders_of_a_killed_run" not in spark.schema_tables("raw_jaffle_api"), "an aborted package landed"
    assert after.orphan_rows == {"raw_jaffle_api.orders": 1}, "orphans stay counted until the next reset"
