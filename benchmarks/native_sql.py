"""The whole pipeline's baseline on DuckDB: native ingest of the raw rows, then the models' own SQL run directly.

The pipeline's full run leaves its raw tables and dbt's compiled models behind. ``export_raw`` (not timed
against the pipeline) writes every raw table to Parquet, the cheapest form to ingest, and counts the
marts' rows; ``native_ingest_sql`` times DuckDB reading those files into tables of the same names, then the
compiled SQL of every model, in dependency order, as views and tables the way dbt materialises them. No
tests, gates, hooks, snapshots or publish: this is the floor the pipeline's work is compared with.
"""

from __future__ import annotations

import json
import os
import time
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

from warehouse.connection import quote

SCHEMA_TABLES_SQL = (
    "select table_name from information_schema.tables where table_type = 'BASE TABLE' and table_schema = ?"
)
MARTS_SCHEMA = "marts"
TABLE_MATERIALIZATIONS = ("table", "incremental")


def _table_counts(connection: Any, schema: str) -> dict[str, int]:
    """Rows of every table of one schema."""
    names = [row[0] for row in connection.execute(SCHEMA_TABLES_SQL, [schema]).fetchall()]
    return {
        name: connection.execute(f"select count(*) from {quote(schema, name)}").fetchone()[0]
        for name in names
    }


def _external(source: dict) -> bool:
    """Whether a source is files read where they lie (dbt-duckdb's ``external_location``), not a table."""
    return bool((source.get("meta") or {}).get("external_location") or source.get("external"))


def source_tables(manifest: dict) -> list[tuple[str, str]]:
    """The raw tables the models read: the schema and table name of every source a model selects from
    (sources that are files read in place, the event logs, have no table to export)."""
    read = {key for node in manifest["nodes"].values() for key in node["depends_on"].get("nodes", [])}
    sources = manifest["sources"]
    return sorted(
        {
            (sources[key]["schema"], sources[key]["identifier"])
            for key in read
            if key in sources and not _external(sources[key])
        }
    )


def export_raw(args: dict) -> dict[str, Any]:
    """Each raw table a model reads as ``<schema>.<table>.parquet``; the marts' row counts."""
    import duckdb

    tables = source_tables(json.loads(Path(args["manifest"]).read_text()))
    out = Path(args["out"])
    out.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(args["warehouse"], read_only=True)
    started = time.perf_counter()
    for schema, table in tables:
        relation = connection.sql(f"select * from {quote(schema, table)}")
        relation.write_parquet(str(out / f"{schema}.{table}.parquet"))
    marts = _table_counts(connection, MARTS_SCHEMA)
    connection.close()
    return {
        "seconds": time.perf_counter() - started,
        "rows": None,
        "detail": {"tables": len(tables), "marts": marts},
    }


def models_in_build_order(manifest: dict) -> list[dict]:
    """The manifest's enabled models, each after every model it selects from."""
    models = {key: node for key, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    graph = {key: [d for d in node["depends_on"]["nodes"] if d in models] for key, node in models.items()}
    order = list(TopologicalSorter(graph).static_order())
    missing = [models[key]["name"] for key in order if not models[key].get("compiled_code")]
    if missing:
        raise RuntimeError(f"the manifest has no compiled SQL for {', '.join(missing)}: run dbt build first")
    return [models[key] for key in order]


def _materialize(connection: Any, model: dict) -> None:
    """``create view`` or ``create table ... as`` the model's compiled SQL, in the model's own schema."""
    kind = "table" if model["config"]["materialized"] in TABLE_MATERIALIZATIONS else "view"
    connection.execute(f"create schema if not exists {quote(model['schema'])}")
    connection.execute(
        f"create or replace {kind} {quote(model['schema'], model['alias'])} as {model['compiled_code']}"
    )


def native_ingest_sql(args: dict) -> dict[str, Any]:
    """Ingest the exported raw tables with ``read_parquet``, then run every model's SQL; count the marts."""
    import duckdb

    manifest = json.loads(Path(args["manifest"]).read_text())
    models = models_in_build_order(manifest)
    files = sorted(Path(args["files"]).glob("*.parquet"))
    # Relative paths in the models (the event-log folder) are relative to dbt's working folder.
    os.chdir(args["dbt_project"])
    connection = duckdb.connect()
    # The compiled SQL names the pipeline's catalog ("warehouse"): attach the baseline's file under that name.
    connection.execute(f"attach ? as {quote(models[0]['database'])}", [args["path"]])
    connection.execute(f"use {quote(models[0]['database'])}")
    started = time.perf_counter()
    rows = 0
    for path in files:
        schema, table = path.stem.split(".", 1)
        connection.execute(f"create schema if not exists {quote(schema)}")
        connection.execute(
            f"create table {quote(schema, table)} as select * from read_parquet(?)", [str(path)]
        )
        rows += connection.execute(f"select count(*) from {quote(schema, table)}").fetchone()[0]
    ingested = time.perf_counter()
    for model in models:
        _materialize(connection, model)
    finished = time.perf_counter()
    marts = _table_counts(connection, MARTS_SCHEMA)
    connection.close()
    detail = {
        "ingest_seconds": round(ingested - started, 3),
        "sql_seconds": round(finished - ingested, 3),
        "raw_tables": len(files),
        "models": len(models),
        "marts": marts,
    }
    return {"seconds": finished - started, "rows": rows, "detail": detail}
