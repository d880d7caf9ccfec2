"""Start the configured warehouse afresh: drop everything the pipeline wrote there and its local dlt state."""

from __future__ import annotations

import logging
import shutil

from . import settings

log = logging.getLogger(__name__)


def pipeline_schemas() -> list[str]:
    """Every schema the pipeline writes: raw datasets with dlt's staging datasets, then the dbt layers."""
    from .status import raw_datasets_here

    datasets = (*raw_datasets_here(), settings.REPORTS_DATASET)
    raw = [name for dataset in datasets for name in (dataset, f"{dataset}_staging")]
    published = settings.PUBLISHED_SCHEMA
    return [
        *raw,
        "staging",
        "intermediate",
        settings.MARTS_SCHEMA,
        "snapshots",
        published,
        f"{published}__next",
        f"{published}__previous",
    ]


def _reset_spark() -> None:
    """Drop the pipeline's metastore databases (managed tables with them) and its raw datasets in the lake.

    Dropping a database drops the declarations of its external tables only: the lake's raw folders (dlt's
    files, its load records included) are removed by URL, so the next extract-load starts afresh there too.
    """
    from extract_load.lake import remove_dataset

    from . import spark
    from .spark_publish import VERSIONS_DATABASE
    from .status import raw_datasets_here

    session = spark.session()
    for database in (*pipeline_schemas(), VERSIONS_DATABASE):
        session.sql(f"drop database if exists {spark.quote(database)} cascade")
    for dataset in (*raw_datasets_here(), settings.REPORTS_DATASET):
        remove_dataset(dataset)


def reset_warehouse() -> None:
    """Drop the pipeline's data in the configured warehouse and dlt's local state.

    DuckDB: its files; Postgres: the pipeline's schemas; Spark: its metastore databases and lake datasets.
    """
    if settings.warehouse_name() == "spark":
        _reset_spark()
    elif settings.warehouse_name() == "postgres":
        from psycopg2 import sql

        from .postgres_admin import admin_connection

        connection = admin_connection(settings.postgres_credentials().database)
        try:
            with connection.cursor() as cursor:
                for schema in pipeline_schemas():
                    cursor.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
        finally:
            connection.close()
    else:
        for path in (settings.duckdb_path(), settings.published_snapshot_path()):
            for leftover in (path, path.with_name(path.name + ".wal")):
                leftover.unlink(missing_ok=True)
    from extract_load.destination import broken_pipelines_dir, pipelines_dir

    for folder in (pipelines_dir(), broken_pipelines_dir()):
        shutil.rmtree(folder, ignore_errors=True)
    log.warning("reset: the %s warehouse holds no pipeline data any more", settings.warehouse_name())
