"""The digest a run compares with the published data's: what changes it, and what must not."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from sql_statements import execute_and_commit

from engines import current_engine
from warehouse import inputs

RAW = "raw_digest"


def test_raw_content_ignores_rows_delivered_again_and_rows_of_incomplete_loads(warehouse: str) -> None:
    engine = current_engine()
    engine.prepare()
    orders, loads = engine.quote(RAW, "orders"), engine.quote(RAW, "_dlt_loads")

    def content() -> dict:
        with engine.connect(read_only=True) as connection:
            return inputs._raw_content(engine, connection, {RAW: {"orders": ["id"]}})[RAW]

    with engine.connect(role="loader") as connection:
        execute_and_commit(
            connection,
            f"create schema {engine.quote(RAW)}",
            f"create table {orders} (id int, total decimal(10, 2), note varchar(10),"
            " _dlt_load_id varchar(20), _dlt_id varchar(20))",
            f"create table {loads} (load_id varchar(20), status int)",
            f"insert into {orders} values (1, 9.50, 'a', '1', 'x1'), (2, 3.00, null, '1', 'x2')",
            f"insert into {loads} values ('1', 0)",
        )
    first = content()
    assert first["orders"][0] == 2 and int(first["orders"][1]) != 0

    with engine.connect(role="loader") as connection:  # the same rows delivered again by a later load
        execute_and_commit(
            connection,
            f"update {orders} set _dlt_load_id = '2', _dlt_id = _dlt_id || 'b'",
            f"insert into {loads} values ('2', 0)",
            f"insert into {orders} values (3, 1.00, 'c', '3', 'x3')",  # a load that never completed
            f"insert into {loads} values ('3', 1)",
        )
    assert content() == first, "unchanged content of completed loads: the same digest"

    with engine.connect(role="loader") as connection:
        execute_and_commit(connection, f"update {orders} set note = 'b' where id = 2")  # null -> a value
    changed = content()
    assert changed != first and changed["orders"][0] == 2

    with engine.connect(role="loader") as connection:
        execute_and_commit(connection, f"update {loads} set status = 0 where load_id = '3'")
    assert content()["orders"][0] == 3, "a load that completed counts"


def test_the_code_digest_follows_models_and_suites_not_other_files(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "dbt_project" / "models").mkdir(parents=True)
    (root / "expectations").mkdir()
    (root / "docs").mkdir()
    model = root / "dbt_project" / "models" / "orders.sql"
    model.write_text("select 1 as id\n")
    (root / "expectations" / "suite.py").write_text("CHECKS = []\n")
    first = inputs.code_digest(root)
    (root / "docs" / "notes.md").write_text("not an input\n")
    assert inputs.code_digest(root) == first
    model.write_text("select 2 as id\n")
    assert inputs.code_digest(root) != first
    shutil.move(model, model.with_name("orders_renamed.sql"))
    model.with_name("orders_renamed.sql").write_text("select 1 as id\n")
    assert inputs.code_digest(root) != first, "a renamed model is a change"


def test_on_a_lake_that_only_appends_the_latest_version_of_each_key_is_the_input(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAREHOUSE", "duckdb")
    engine = current_engine()
    monkeypatch.setattr(engine, "capabilities", dataclasses.replace(engine.capabilities, merges_by_key=False))
    orders, loads = engine.quote(RAW, "orders"), engine.quote(RAW, "_dlt_loads")

    def content() -> list:
        with engine.connect(read_only=True) as connection:
            return inputs._raw_content(engine, connection, {RAW: {"orders": ["id"]}})[RAW]["orders"]

    def load(load_id: str, *rows: str) -> None:
        with engine.connect() as connection:
            values = ", ".join(f"({row}, '{load_id}', '{load_id}-{n}')" for n, row in enumerate(rows))
            execute_and_commit(
                connection,
                f"insert into {orders} values {values}",
                f"insert into {loads} values ('{load_id}', 0)",
            )

    with engine.connect() as connection:
        execute_and_commit(
            connection,
            f"create schema {engine.quote(RAW)}",
            f"create table {orders} (id int, total decimal(10, 2), _dlt_load_id varchar(20), _dlt_id varchar(20))",
            f"create table {loads} (load_id varchar(20), status int)",
        )
    load("1", "1, 9.50", "2, 3.00")
    first = content()
    load("2", "1, 9.50")  # delivered again: appended, same latest version
    assert content() == first
    load("3", "1, 7.00")
    assert content() != first and content()[0] == 2
    load("4", "1, 9.50")  # back to the first value: staging reads what it read after load 1
    assert content() == first
