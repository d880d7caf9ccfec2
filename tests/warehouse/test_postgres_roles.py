"""Least privilege on Postgres: each role reaches exactly its schemas, and grants survive reloads and publishes."""

from __future__ import annotations

from pathlib import Path

import psycopg2
import pytest
from psycopg2 import errors

import settings
from engines.postgres_admin import setup_roles
from warehouse.cli import main

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

DEMO = ["demo", "--scale", "0.02", "--seed", "3"]


@pytest.fixture
def postgres_warehouse(data_dir: Path, postgres_database: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """WAREHOUSE=postgres on a throw-away database, after one demo run."""
    monkeypatch.setenv("WAREHOUSE", "postgres")
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS__DATABASE", postgres_database)
    assert main(DEMO) == 0
    return postgres_database


def as_role(kind: str) -> psycopg2.extensions.cursor:
    """A cursor whose session runs as the role of ``kind``."""
    connection = psycopg2.connect(**settings.postgres_credentials(role=kind).psycopg_kwargs())
    connection.autocommit = True
    return connection.cursor()


def can(kind: str, statement: str) -> bool:
    """Whether the role may run the statement (False on a permission error, anything else raises)."""
    cursor = as_role(kind)
    try:
        cursor.execute(statement)
        return True
    except errors.InsufficientPrivilege:
        return False
    finally:
        cursor.connection.close()


def test_the_reader_sees_the_published_schema_only(postgres_warehouse: str):
    assert can("reader", "select count(*) from published.orders join published.customers using (customer_id)")
    assert not can("reader", "select count(*) from raw_jaffle_api.orders")
    assert not can("reader", "select count(*) from raw_jaffle_files.tweets")
    assert not can("reader", "select count(*) from staging.stg_jaffle_api__orders")
    assert not can("reader", "select count(*) from marts.orders")
    assert not can("reader", "create table published.intruder (id int)")


def test_the_loader_writes_raw_only(postgres_warehouse: str):
    assert can("loader", "create table raw_jaffle_api.scratch (id int)")
    assert not can("loader", "insert into marts.orders select * from marts.orders limit 1")
    assert not can("loader", "create table marts.intruder (id int)")
    assert not can("loader", "select count(*) from published.orders")
    assert not can("loader", "drop table staging.stg_jaffle_api__orders")


def test_the_transformer_reads_raw_but_cannot_write_it(postgres_warehouse: str):
    assert can("transformer", "select count(*) from raw_jaffle_api.orders")
    assert not can("transformer", "delete from raw_jaffle_api.orders")
    assert not can("transformer", "create table raw_jaffle_api.intruder (id int)")


def test_grants_survive_two_reloads_and_a_publish(postgres_warehouse: str):
    assert main(DEMO) == 0
    assert main(DEMO) == 0
    assert main(["publish"]) == 0
    assert can("reader", "select count(*) from published.orders join published.customers using (customer_id)")
    assert can("reader", "select run_id from published.publication")
    assert not can("reader", "select count(*) from raw_jaffle_api.orders")
    assert can("transformer", "select count(*) from raw_jaffle_api.orders__items")
    assert not can("loader", "create table marts.intruder (id int)")


def test_role_setup_is_idempotent(postgres_warehouse: str):
    first = setup_roles()
    assert setup_roles() == first == {kind: f"jaffle_{kind}" for kind in settings.ROLE_KINDS}
    assert can("reader", "select count(*) from published.orders")
