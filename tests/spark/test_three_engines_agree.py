"""DuckDB, Postgres and Spark build the same marts from the same raw data, step after step.

The hand-made raw fixture (tests/dbt/raw_fixture.py) is landed with dlt by the project's own destination on
each engine (on Spark: Parquet files in the lake, registered in the metastore by ``engines.spark_lake``), plus
an order of a load that never completed. Then, on every engine, each step a ``dbt build`` whose every data
and unit test must pass:

1. a first build;
2. a second batch (a new order, a re-sent order with other lines, a new product price and supply cost, and
   the two orders of one day re-sent so that the day is left empty) and an incremental build;
3. a third batch (one new order on a day of its own) and an incremental build: on Spark, the order-grain
   tables must gain that day's partition and leave every other day's files as they were (insert_overwrite);
4. a build with ``--full-refresh``, which must give the marts of step 3.

After each step every mart must hold the same columns and rows on the three engines, values normalised as in
tests/test_engines_agree.py (numbers as Decimals, times as naive UTC text).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from postgres_server import POSTGRES_ENVIRONMENT, throwaway_database
from raw_fixture import (
    INCOMPLETE_LOAD_ID,
    LATER_PRODUCTS,
    LATER_SUPPLIES,
    api_order,
    jaffle_api_batch,
    land_fixture_sources,
    run_dbt_checked,
)
from test_engines_agree import describe_difference, normalise, schema_rows, sort_key

import settings
from engines import spark_session as spark
from extract_load.destination import LOADER_FILE_FORMAT, dlt_destination
from warehouse.reset import reset_warehouse

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ENGINES = ("duckdb", "postgres", "spark")
Table = tuple[list[str], list[tuple]]
INCOMPLETE_ORDER = "or-5"  # only in a load that never completed: no engine may show it
NEW_DAY_ORDER = "or-7"  # the third batch's one order, alone on its day
ORDER_GRAIN_TABLES = (("intermediate", "int_orders_summarised"), ("marts", "order_items"))


class Engine:
    """One engine's environment (warehouse switch, data folder, dbt folders; Postgres database)."""

    def __init__(self, name: str, folder: Path, database: str | None = None) -> None:
        self.name, self.folder, self.database = name, folder, database

    @contextmanager
    def active(self) -> Iterator[None]:
        """Point the project's settings at this engine for the duration of the block."""
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("WAREHOUSE", self.name)
            patch.setenv("PROJECT__DATA_DIR", str(self.folder))
            patch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
            patch.setenv("DBT_TARGET_PATH", str(self.folder / "target"))
            patch.setenv("DBT_LOG_PATH", str(self.folder / "logs"))
            patch.delenv("DESTINATION__DUCKDB__CREDENTIALS", raising=False)
            if self.database is not None:
                for part, value in {**POSTGRES_ENVIRONMENT, "DATABASE": self.database}.items():
                    patch.setenv(f"DESTINATION__POSTGRES__CREDENTIALS__{part}", value)
            yield


def _pipeline(engine: Engine, source_name: str) -> dlt.Pipeline:
    """The fixture's pipeline of one source on the active engine."""
    return dlt.pipeline(
        pipeline_name=f"three_engines_{source_name}",
        destination=dlt_destination(),
        dataset_name=f"raw_{source_name}",
        pipelines_dir=str(engine.folder / "pipelines"),
    )


def _register_lake() -> None:
    """Spark: declare the landed tables in the metastore, as the extract-load step does."""
    from engines.spark_lake import register_dataset

    for dataset in settings.raw_datasets():
        register_dataset(dataset)


def _add_incomplete_order(pipeline: dlt.Pipeline) -> None:
    """Rows of a load with no completed ``_dlt_loads`` entry: a new order (in the lake, one more Parquet file)."""
    order = api_order(INCOMPLETE_ORDER, "cu-bob", "st-phl", datetime(2016, 9, 2, 11), (1100, 44), [])
    row = {**{k: v for k, v in order.items() if k != "items"}}
    row |= {"_dlt_load_id": INCOMPLETE_LOAD_ID, "_dlt_id": "fake-or-5"}
    if settings.warehouse_name() == "spark":
        folder = Path(spark.lake_url()) / "raw_jaffle_api" / "orders"
        schema = pq.read_schema(next(folder.glob("*.parquet")))
        table = pa.Table.from_pylist([row], schema=schema)
        pq.write_table(table, folder / f"{INCOMPLETE_LOAD_ID}.incomplete.parquet")
        return
    columns = list(row)
    with pipeline.sql_client() as client:
        client.execute_sql(
            f"insert into orders ({', '.join(columns)}) values ({', '.join(['%s'] * len(columns))})",
            *row.values(),
        )


def land_first_batch(engine: Engine) -> None:
    """The three fixture sources, then the incomplete load's order."""
    land_fixture_sources("three_engines", engine.folder / "pipelines")
    _add_incomplete_order(_pipeline(engine, "jaffle_api"))


def land_second_batch(engine: Engine) -> None:
    """A later API load: a new order, a re-sent order with other lines, a new price and supply cost; and the
    two orders of 1 September 2016 changed so that day has none left: or-1 re-sent without lines, or-2 moved
    to 3 September (on Spark, the stale day's partition must be dropped)."""
    batch = jaffle_api_batch(
        orders=[
            api_order("or-6", "cu-carol", "st-bkn", datetime(2017, 3, 16, 10), (600, 36), ["BEV-001"]),
            api_order(
                "or-4", "cu-bob", "st-bkn", datetime(2017, 3, 15, 12, 45), (1700, 102), ["BEV-001", "JAF-001"]
            ),
            api_order("or-1", "cu-alice", "st-phl", datetime(2016, 9, 1, 10, 0), (0, 0), []),
            api_order("or-2", "cu-alice", "st-phl", datetime(2016, 9, 3, 15, 30), (700, 28), ["BEV-002"]),
        ],
        products=LATER_PRODUCTS,
        supplies=LATER_SUPPLIES,
    )
    pipeline = _pipeline(engine, "jaffle_api")
    pipeline.run(batch, loader_file_format=LOADER_FILE_FORMAT).raise_on_failed_jobs()


def land_third_batch(engine: Engine) -> None:
    """A later API load with one new order, on a day of its own."""
    batch = jaffle_api_batch(
        orders=[
            api_order(NEW_DAY_ORDER, "cu-carol", "st-phl", datetime(2017, 3, 20, 9), (700, 28), ["BEV-002"])
        ]
    )
    _pipeline(engine, "jaffle_api").run(batch, loader_file_format=LOADER_FILE_FORMAT).raise_on_failed_jobs()


def spark_files_by_day(schema: str, table: str) -> dict[str, set[str]]:
    """Spark: the Parquet files that hold each order_date partition of a table."""
    files = spark.session().sql(
        f"select distinct cast(order_date as string) as day, input_file_name() as file"
        f" from {spark.quote(schema, table)}"
    )
    found: dict[str, set[str]] = {}
    for row in files.collect():
        found.setdefault(row["day"], set()).add(row["file"])
    return found


def _spark_tables(schema: str) -> dict[str, Table]:
    """Spark: the same, read by Spark SQL."""
    tables: dict[str, Table] = {}
    for table in spark.schema_tables(schema):
        frame = spark.session().sql(f"select * from {spark.quote(schema, table)}")
        rows = [tuple(map(normalise, row)) for row in frame.collect()]
        tables[table] = (list(frame.columns), sorted(rows, key=sort_key))
    return tables


def marts(engine: Engine) -> dict[str, Table]:
    """Every mart of the active engine."""
    if engine.name == "spark":
        return _spark_tables(settings.MARTS_SCHEMA)
    return schema_rows(settings.MARTS_SCHEMA)


@pytest.fixture(scope="module")
def engines(
    tmp_path_factory: pytest.TempPathFactory, spark_session: Any, spark_data_dir: Path
) -> Iterator[list]:
    """The three engines: fresh DuckDB and Postgres warehouses, and the session's Spark folder."""
    from engines.postgres_admin import prepare_postgres

    with ExitStack() as stack:
        database = stack.enter_context(throwaway_database("jaffle_three_engines"))
        found = [
            Engine("duckdb", tmp_path_factory.mktemp("duckdb")),
            Engine("postgres", tmp_path_factory.mktemp("postgres"), database),
            Engine("spark", spark_data_dir),
        ]
        with found[1].active():
            prepare_postgres()
        with found[2].active():  # the process's metastore may hold another Spark test's databases
            reset_warehouse()
        yield found


def _step(engines: list[Engine], land: Any, *dbt_arguments: str) -> dict[str, dict[str, Table]]:
    """On every engine: land a batch (if any), run dbt (every data and unit test must pass), read the marts."""
    results = {}
    for engine in engines:
        with engine.active():
            if land is not None:
                land(engine)
                if engine.name == "spark":
                    _register_lake()
            run_dbt_checked(*dbt_arguments)
            tests_passed = _data_and_unit_tests_passed(engine)
            assert tests_passed > 100, f"dbt {' '.join(dbt_arguments)} on {engine.name}: {tests_passed} tests"
            results[engine.name] = marts(engine)
    return results


def _assert_equal(step: str, results: dict[str, dict[str, Table]]) -> None:
    """Every engine's marts equal DuckDB's: the same tables, columns and rows."""
    reference = results["duckdb"]
    assert {"customers", "orders", "order_items", "products", "locations", "supplies"} <= set(reference)
    assert all(rows for _, rows in reference.values()), f"{step}: every mart must hold rows"
    assert all(row[0] != INCOMPLETE_ORDER for row in reference["orders"][1]), "an incomplete load leaked"
    for name in ENGINES[1:]:
        other = results[name]
        assert set(other) == set(reference), (
            f"{step}: marts differ: duckdb {sorted(reference)}, {name} {sorted(other)}"
        )
        differences = [
            describe_difference(table, reference[table], other[table]).replace("postgres", name)
            for table in sorted(reference)
            if reference[table] != other[table]
        ]
        assert not differences, f"{step}: duckdb and {name} differ:\n" + "\n".join(differences)


def _data_and_unit_tests_passed(engine: Engine) -> int:
    """How many data and unit tests the engine's last dbt command passed (run_dbt_checked fails on any other)."""
    results = json.loads((engine.folder / "target" / "run_results.json").read_text())["results"]
    return sum(r["unique_id"].startswith(("test.", "unit_test.")) and r["status"] == "pass" for r in results)


def _order_days(marts: dict[str, Table]) -> dict[str, set[str]]:
    """The days of each order in the order_items mart."""
    columns, rows = marts["order_items"]
    order_id, order_date = columns.index("order_id"), columns.index("order_date")
    days: dict[str, set[str]] = {}
    for row in rows:
        days.setdefault(row[order_id], set()).add(str(row[order_date]))
    return days


def test_build_incremental_build_and_full_refresh_agree_on_three_engines(engines: list[Engine]):
    first = _step(engines, land_first_batch, "build")
    _assert_equal("first build", first)

    second = _step(engines, land_second_batch, "build")
    _assert_equal("incremental build", second)
    assert second["duckdb"]["orders"] != first["duckdb"]["orders"], "the second batch changed no order"
    days = _order_days(second["duckdb"])
    assert "or-1" not in days, "an order re-sent without lines kept its lines"
    assert days["or-2"] == {"2016-09-03"}, f"a moved order is on {days['or-2']}"

    with engines[2].active():
        files_before = {table: spark_files_by_day(*table) for table in ORDER_GRAIN_TABLES}
    third = _step(engines, land_third_batch, "build")
    _assert_equal("incremental build of one new order", third)
    assert _order_days(third["duckdb"])[NEW_DAY_ORDER] == {"2017-03-20"}
    with engines[2].active():
        for table, before in files_before.items():
            after = spark_files_by_day(*table)
            assert set(after) == {*before, "2017-03-20"}, f"{table}: days {sorted(before)} -> {sorted(after)}"
            rewritten = sorted(day for day in before if after[day] != before[day])
            assert not rewritten, f"{table}: an incremental run of one new order rewrote days {rewritten}"

    refreshed = _step(engines, None, "build", "--full-refresh")
    _assert_equal("full refresh", refreshed)
    assert refreshed == third, "a full refresh changed the marts of the incremental builds"
