"""Publish on the Spark target: immutable versions of the marts, and views in the ``published`` database.

Spark has no transaction spanning several statements, and a Parquet table cannot be replaced in place while a
reader scans it. So a publish never touches what readers query until the new version is whole:

1. every mart is copied into a new table of the ``published_versions`` database, ``<table>__v<N>``, and a
   ``publication__v<N>`` table records the run id, the time and the version number;
2. only then each view ``published.<table>`` is replaced to read version N (one metastore call per view),
   the ``published.publication`` view last, and views of tables that left the marts are dropped;
3. the versions older than the previous one are dropped.

A failure in step 1 leaves every published view on the previous version (the half-copied version is dropped).
Each view switches atomically; a reader that must see several tables of one version reads
``published.publication`` first and then queries ``published_versions.<table>__v<version>`` directly: those
tables never change, and the previous version stays until the next publish.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import settings

from . import spark_session as spark
from .publication import PUBLICATION_TABLE

log = logging.getLogger(__name__)

VERSIONS_DATABASE = "published_versions"
KEPT_VERSIONS = 2  # the published one and the one before it, for readers pinned to it
_VERSIONED = re.compile(r"^(?P<table>.+)__v(?P<version>[0-9]+)$")


def version_table(table: str, version: int) -> str:
    """The name of a table's copy in one published version."""
    return f"{table}__v{version}"


def published_versions() -> dict[int, list[str]]:
    """The tables of every version in ``published_versions``, by version number."""
    versions: dict[int, list[str]] = {}
    for name in spark.schema_tables(VERSIONS_DATABASE):
        match = _VERSIONED.match(name)
        if match:
            versions.setdefault(int(match["version"]), []).append(name)
    return versions


def _drop_version(version: int, tables: list[str]) -> None:
    """Drop the tables of one version."""
    session = spark.session()
    for name in tables:
        session.sql(f"drop table if exists {spark.quote(VERSIONS_DATABASE, name)}")
    log.info("dropped published version %d (%d tables)", version, len(tables))


def _copy_version(tables: list[str], version: int, run_id: str, inputs: str, published_at: datetime) -> None:
    """Copy every mart and the publication record into version ``version``; drop the copy if any step fails."""
    from pyspark.sql.types import LongType, StringType, StructField, StructType, TimestampNTZType

    session = spark.session()
    written: list[str] = []
    try:
        for table in tables:
            name = version_table(table, version)
            session.sql(
                f"create table {spark.quote(VERSIONS_DATABASE, name)} using parquet"
                f" as select * from {spark.quote(settings.MARTS_SCHEMA, table)}"
            )
            written.append(name)
        schema = StructType(
            [
                StructField("run_id", StringType(), False),
                StructField("published_at", TimestampNTZType(), False),
                StructField("version", LongType(), False),
                StructField("inputs", StringType(), False),
            ]
        )
        record = session.createDataFrame(
            [(run_id, published_at.replace(tzinfo=None), version, inputs)], schema
        )
        name = version_table(PUBLICATION_TABLE, version)
        written.append(name)
        record.write.format("parquet").saveAsTable(f"{VERSIONS_DATABASE}.{name}")
    except BaseException:
        _drop_version(version, written)
        raise


def _switch_views(tables: list[str], version: int) -> None:
    """Point every published view at version ``version``, the publication view last; drop views of old marts."""
    session = spark.session()
    published = settings.PUBLISHED_SCHEMA
    stale = set(spark.schema_tables(published)) - set(tables) - {PUBLICATION_TABLE}
    for table in [*tables, PUBLICATION_TABLE]:
        session.sql(
            f"create or replace view {spark.quote(published, table)} as"
            f" select * from {spark.quote(VERSIONS_DATABASE, version_table(table, version))}"
        )
    for table in sorted(stale):
        session.sql(f"drop view if exists {spark.quote(published, table)}")


def publish_spark(run_id: str, inputs: str) -> tuple[str, dict[str, int]]:
    """Publish the marts as version N+1; return the publication time and the published row counts."""
    session = spark.session()
    tables = spark.schema_tables(settings.MARTS_SCHEMA)
    if not tables:
        raise RuntimeError(
            f"nothing to publish: database {settings.MARTS_SCHEMA!r} has no tables (run dbt first)"
        )
    for database in (VERSIONS_DATABASE, settings.PUBLISHED_SCHEMA):
        session.sql(f"create database if not exists {spark.quote(database)}")
    versions = published_versions()
    version = max(versions, default=0) + 1
    published_at = datetime.now(UTC).replace(microsecond=0)
    _copy_version(tables, version, run_id, inputs, published_at)
    _switch_views(tables, version)
    for old in sorted(number for number in versions if number <= version - KEPT_VERSIONS):
        _drop_version(old, versions[old])
    counts = spark.row_counts(settings.PUBLISHED_SCHEMA, tables)
    log.info("published %d tables from run %s as version %d", len(tables), run_id, version)
    return published_at.strftime("%Y-%m-%dT%H:%M:%SZ"), counts
