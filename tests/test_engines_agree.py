"""DuckDB and Postgres publish the same data: one demo run per engine, then every published table compared.

The same seed and scale go through `jaffle demo` once on DuckDB (its own data folder) and once on a throw-away
Postgres database (another data folder). Every published table except `publication` (run id and time) must have
the same columns and the same rows, after normalising what the drivers return differently (Decimal or float,
datetime objects, UUIDs). A difference prints the first rows that only one engine has.

Numbers are compared as Decimals rounded to 6 places, not to the cent: money is exact to the cent on both
engines either way, but tax rates carry 4 decimals (0.0625), and rounding them to 2 places would hide a rate
that one engine rounded.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import pytest
from postgres_server import POSTGRES_ENVIRONMENT

import settings
from engines.publication import PUBLICATION_TABLE
from warehouse.cli import main
from warehouse.connection import connect, fetch_all, placeholder, quote, schema_tables

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SCALE = "0.02"
SEED = "7"
PRECISION = Decimal("0.000001")
SHOWN_ROWS = 5

Table = tuple[list[str], list[tuple]]


def normalise(value: Any) -> Any:
    """One engine-independent form: numbers as Decimal (6 places), times as ISO text, None stays None."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value)).quantize(PRECISION, rounding=ROUND_HALF_EVEN)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def sort_key(row: tuple) -> tuple:
    """Rows sort by their values, None first in each column, whatever the types."""
    return tuple((value is not None, repr(value)) for value in row)


def schema_rows(schema: str, skip: tuple[str, ...] = (), read_only: bool = False) -> dict[str, Table]:
    """DuckDB or Postgres: column names and normalised, sorted rows of every table of a schema but ``skip``."""
    tables: dict[str, Table] = {}
    with connect(read_only=read_only) as connection:
        for table in schema_tables(connection, schema):
            if table in skip:
                continue
            columns = [
                name
                for (name,) in fetch_all(
                    connection,
                    "select column_name from information_schema.columns"
                    f" where table_schema = {placeholder()} and table_name = {placeholder()}"
                    " order by ordinal_position",
                    [schema, table],
                )
            ]
            column_list = ", ".join(quote(column) for column in columns)
            rows = fetch_all(connection, f"select {column_list} from {quote(schema, table)}")
            tables[table] = (
                columns,
                sorted((tuple(normalise(v) for v in row) for row in rows), key=sort_key),
            )
    return tables


def published_tables() -> dict[str, Table]:
    """Column names and normalised, sorted rows of every published table but the publication record."""
    return schema_rows(
        settings.PUBLISHED_SCHEMA, skip=(PUBLICATION_TABLE,), read_only=settings.warehouse_name() == "duckdb"
    )


def run_demo(engine: str, folder: Path, monkeypatch: pytest.MonkeyPatch, database: str | None = None) -> None:
    """`jaffle demo` on one engine with its own data folder (and database on Postgres)."""
    folder.mkdir()
    monkeypatch.setenv("WAREHOUSE", engine)
    monkeypatch.setenv("PROJECT__DATA_DIR", str(folder))
    monkeypatch.delenv("DESTINATION__DUCKDB__CREDENTIALS", raising=False)
    if database is not None:
        monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS__DATABASE", database)
        for part, value in POSTGRES_ENVIRONMENT.items():
            monkeypatch.setenv(f"DESTINATION__POSTGRES__CREDENTIALS__{part}", value)
    assert main(["demo", "--scale", SCALE, "--seed", SEED]) == 0, f"the demo failed on {engine}"


def describe_difference(table: str, duck: Table, postgres: Table) -> str:
    """What differs in one table: the columns, or the first rows only one engine has."""
    (duck_columns, duck_rows), (pg_columns, pg_rows) = duck, postgres
    if duck_columns != pg_columns:
        return f"{table}: columns differ\n  duckdb:   {duck_columns}\n  postgres: {pg_columns}"
    lines = [
        f"{table} ({', '.join(duck_columns)}): duckdb {len(duck_rows)} rows, postgres {len(pg_rows)} rows"
    ]
    first = next(
        (i for i, (a, b) in enumerate(zip(duck_rows, pg_rows, strict=False)) if a != b),
        min(len(duck_rows), len(pg_rows)),
    )
    lines.append(f"  first differing sorted row: #{first}")
    only_duck = sorted((Counter(duck_rows) - Counter(pg_rows)).elements(), key=sort_key)
    only_pg = sorted((Counter(pg_rows) - Counter(duck_rows)).elements(), key=sort_key)
    for label, rows in (("only in duckdb", only_duck), ("only in postgres", only_pg)):
        lines.append(f"  {label}: {len(rows)} rows")
        lines += [f"    {row!r}" for row in rows[:SHOWN_ROWS]]
    return "\n".join(lines)


def test_duckdb_and_postgres_publish_identical_marts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_database: str
):
    run_demo("duckdb", tmp_path / "duckdb", monkeypatch)
    duck = published_tables()
    run_demo("postgres", tmp_path / "postgres", monkeypatch, database=postgres_database)
    postgres = published_tables()

    assert set(duck) == set(postgres), (
        f"published tables differ: duckdb {sorted(duck)}, postgres {sorted(postgres)}"
    )
    assert {"customers", "orders", "order_items", "products", "locations", "supplies"} <= set(duck)
    assert all(rows for _, rows in duck.values()), "every published table must hold rows"
    differences = [
        describe_difference(t, duck[t], postgres[t]) for t in sorted(duck) if duck[t] != postgres[t]
    ]
    assert not differences, "the engines published different data:\n" + "\n".join(differences)
    print(
        "engines agree on "
        + ", ".join(
            f"{table} ({len(rows)} rows, {len(columns)} columns)" for table, (columns, rows) in duck.items()
        )
    )
