"""The published data as pandas DataFrames and Arrow tables, for Python readers and the dashboard.

Reads only what publish wrote, through the engine's read-only reader (``Engine.published_reader``): on DuckDB
the readers' snapshot ``data/published.duckdb`` (never the file the pipeline writes), on PostgreSQL the reader
login, which may read the ``published`` schema and the run history only. A question in five lines::

    from published import read_table

    orders = read_table("orders")
    revenue = orders.groupby(orders["ordered_at"].dt.to_period("M"))["order_total"].sum()
    print(revenue.tail(3))

Before the first publish every function raises :class:`engines.NothingPublished`; a busy or unreachable
warehouse raises :class:`engines.EngineUnavailable`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

import settings
from engines import NothingPublished, current_engine

__all__ = ["read_arrow", "read_sql", "read_table", "tables"]


def tables() -> list[str]:
    """The published tables, in name order (``publication`` records which run published them and when)."""
    engine = current_engine()
    with engine.published_reader() as connection:
        return engine.schema_tables(connection, engine.published_schema)


def read_sql(sql: str, parameters: Sequence[Any] = ()) -> pd.DataFrame:
    """One query on the published data (tables as ``published.<name>``, ``?`` marking bound parameters)."""
    engine = current_engine()
    with engine.published_reader() as connection:
        cursor = connection.cursor()
        try:
            cursor.execute(sql.replace("?", engine.placeholder), list(parameters))
            names = [column[0] for column in cursor.description]
            return pd.DataFrame.from_records(cursor.fetchall(), columns=names)
        except Exception as error:
            if "does not exist" in str(error) or "Catalog Error" in str(error):
                raise NothingPublished(f"not published (yet): {str(error).splitlines()[0]}") from None
            raise
        finally:
            cursor.close()


def read_table(name: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A whole published table (or some of its columns), names quoted by the engine."""
    if name not in tables():
        raise NothingPublished(f"no published table {name!r}; published: {', '.join(tables()) or 'none'}")
    engine = current_engine()
    selected = ", ".join(engine.quote(column) for column in columns) if columns else "*"
    return read_sql(f"select {selected} from {engine.quote(settings.PUBLISHED_SCHEMA, name)}")


def read_arrow(name: str, columns: Sequence[str] | None = None) -> pa.Table:
    """A published table as an Arrow table (decimals stay exact)."""
    return pa.Table.from_pandas(read_table(name, columns), preserve_index=False)
