"""The lake of the Spark target: dlt lands raw data as Parquet files, the metastore reads them as tables.

dlt's ``filesystem`` destination writes one folder per table, ``<lake>/<dataset>/<table>/<load id>.<file
id>.parquet``, and records each completed load as a JSON line in ``<lake>/<dataset>/_dlt_loads/``. Plain
Parquet has no row-level merge: dlt appends instead (it warns "Falling back to append"), and staging keeps the
latest completed version of each key, as it does on every engine. ``register_dataset`` then declares every table
of the dataset as an external table of the metastore database of the same name, so dbt's sources resolve.
"""

from __future__ import annotations

import logging
from typing import Any

import dlt
from dlt.common.destination import Destination

from . import spark_session as spark
from .lake_storage import lake_filesystem

log = logging.getLogger(__name__)

# Table folders as dlt's filesystem destination writes them (the default layout, named so it never changes).
LAYOUT = "{table_name}/{load_id}.{file_id}.{ext}"
LOADS_TABLE = "_dlt_loads"
# dlt's load records, declared rather than inferred (inferred, inserted_at would be text).
LOADS_COLUMNS = (
    "load_id string, schema_name string, status bigint, inserted_at timestamp, schema_version_hash string"
)


def lake_destination() -> Destination:
    """dlt's filesystem destination on the configured lake URL (credentials from dlt's own configuration)."""
    return dlt.destinations.filesystem(spark.lake_url(), layout=LAYOUT)


def _sql_string(value: str) -> str:
    """A Spark SQL string literal: backslashes and single quotes escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def dataset_folder(dataset: str) -> tuple[Any, str]:
    """The file system of the lake (authenticated with dlt's credentials) and the path of a dataset's folder."""
    return lake_filesystem(f"{spark.lake_url()}/{dataset}")


def remove_dataset(dataset: str) -> None:
    """Delete a dataset's folder from the lake: its files and dlt's load records (nothing when absent)."""
    filesystem, path = dataset_folder(dataset)
    if filesystem.exists(path):
        filesystem.rm(path, recursive=True)


def _table_folders(dataset: str) -> list[str]:
    """The table folders of a dataset in the lake (dlt's bookkeeping folders but ``_dlt_loads`` left out)."""
    filesystem, path = dataset_folder(dataset)
    if not filesystem.exists(path):
        return []
    folders = [entry.rstrip("/").rsplit("/", 1)[-1] for entry in filesystem.ls(path, detail=False)]
    return sorted(
        name
        for name in folders
        if filesystem.isdir(f"{path}/{name}") and (name == LOADS_TABLE or not name.startswith("_dlt"))
    )


def register_dataset(dataset: str, session: Any | None = None) -> list[str]:
    """Declare every table of a lake dataset as an external table in the metastore; return their names.

    Each table is dropped (only its declaration: the files stay) and declared again over its folder, so
    columns added by a later load appear; ``_dlt_loads`` is read as JSON lines, the rest as Parquet.
    """
    spark_session = session or spark.session()
    spark_session.sql(f"create database if not exists {spark.quote(dataset)}")
    tables = _table_folders(dataset)
    for table in tables:
        location = spark.spark_location(f"{spark.lake_url()}/{dataset}/{table}")
        name = spark.quote(dataset, table)
        if table == LOADS_TABLE:
            declaration = f"{name} ({LOADS_COLUMNS}) using json"
        else:
            declaration = f"{name} using parquet options (mergeSchema 'true')"
        spark_session.sql(f"drop table if exists {name}")
        spark_session.sql(f"create table {declaration} location {_sql_string(location)}")
    log.info("registered %d lake tables of %s", len(tables), dataset)
    return tables
