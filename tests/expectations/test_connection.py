"""The validation connection: real GX metrics on DuckDB, read-only access, and no password in sight."""

from __future__ import annotations

import warnings

import duckdb
import great_expectations.expectations as gxe
import pytest
import sqlalchemy as sa

from engines import current_engine
from expectations.runner import failure_of, gx_context, gx_datasource, is_failure


def row_count_result(datasource):
    """GX's row-count expectation on the good raw orders table (3 rows) through ``datasource``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        asset = datasource.add_table_asset("orders", table_name="orders", schema_name="raw_jaffle_api")
    batch = asset.add_batch_definition_whole_table("whole").get_batch()
    return batch.validate(gxe.ExpectTableRowCountToBeBetween(min_value=1, max_value=10))


def test_plain_duckdb_engine_loses_gx_metrics_and_the_gate_would_block_it(monkeypatch, duckdb_warehouse):
    """The upstream trap this package works around: GX through a plain duckdb-engine URL gets no metrics.

    If this starts failing after an upgrade, GX or duckdb-engine fixed it and ``connection.py`` can be simplified.
    """
    monkeypatch.setenv("WAREHOUSE", "duckdb")
    context = gx_context()
    datasource = context.data_sources.add_sql(
        "plain_duckdb", connection_string=f"duckdb:///{duckdb_warehouse}"
    )
    try:
        result = row_count_result(datasource)
    finally:
        datasource.get_execution_engine().engine.dispose()
        datasource.get_engine().dispose()
        context.data_sources.delete("plain_duckdb")
    assert "observed_value" not in result.result
    outcome = failure_of(result)
    assert is_failure(result, outcome) and outcome.error


def test_our_connection_gives_gx_real_metrics(backend):
    connection = current_engine().validation_connection()
    with gx_datasource(connection) as datasource:
        result = row_count_result(datasource)
    assert result.success and result.result == {"observed_value": 3}
    outcome = failure_of(result)
    assert not is_failure(result, outcome)


def test_duckdb_is_opened_read_only_and_released(monkeypatch, duckdb_warehouse):
    monkeypatch.setenv("WAREHOUSE", "duckdb")
    monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS", str(duckdb_warehouse))
    connection = current_engine().validation_connection()
    with connection.engine.connect() as sa_connection:
        assert sa_connection.execute(sa.text("select count(*) from raw_jaffle_api.orders")).scalar_one() == 3
        with pytest.raises(sa.exc.DBAPIError, match="read-only"):
            sa_connection.execute(sa.text("create table raw_jaffle_api.scratch (x int)"))
    assert "read-only" in connection.describe()
    connection.close()
    duckdb.connect(str(duckdb_warehouse)).close()  # released: a writer can open the file again


def test_postgres_url_and_gx_arguments_hide_the_password(monkeypatch):
    secret = "s3cret-Pa55word"
    monkeypatch.setenv("WAREHOUSE", "postgres")
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS__PASSWORD", secret)
    connection = current_engine().validation_connection()
    assert connection.url.password == secret
    arguments = connection.gx_datasource_args()
    shown = [str(connection.url), repr(connection.url), connection.describe(), arguments["connection_string"]]
    assert all(secret not in text for text in shown)
    assert arguments["connection_string"].startswith("postgresql+psycopg2://")
