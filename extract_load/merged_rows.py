"""Rows a load kept per table, so rows a merge removed as duplicates are counted, not reported as loaded.

With the ``merge`` write disposition the destination keeps one row per primary key: a key sent twice in one
load (pages that overlap, a row re-sent) lands once. dlt counts rows when it normalizes, before that merge, so
``rows normalized - rows kept`` is what the merge removed. The rows kept are those carrying the load's id: a
root table's ``_dlt_load_id``, and a nested table's rows whose root row carries it. On destinations that do
not merge (the Spark target's lake appends) nothing is removed.
"""

from __future__ import annotations

import dlt
from dlt.common.schema.utils import get_root_table, get_write_disposition

LOAD_ID = "_dlt_load_id"


def _merges(pipeline: dlt.Pipeline) -> bool:
    """Whether the destination merges on keys: dlt's filesystem destination writing plain Parquet (the lake)
    falls back to append, so every row it normalized lands."""
    return pipeline.destination.destination_name != "filesystem"


def rows_kept(pipeline: dlt.Pipeline, tables: list[str], load_ids: list[str]) -> dict[str, int]:
    """Rows of these loads the warehouse kept, per merged table (tables of other dispositions left out)."""
    schema = pipeline.default_schema
    merged = [
        table
        for table in tables
        if table in schema.tables and get_write_disposition(schema.tables, table) == "merge"
    ]
    if not merged or not load_ids or not _merges(pipeline):
        return {}
    kept = {}
    with pipeline.sql_client() as client:
        placeholders = ", ".join(["%s"] * len(load_ids))
        of_these_loads = f"{client.escape_column_name(LOAD_ID)} in ({placeholders})"
        for table in merged:
            root = get_root_table(schema.tables, table)["name"]
            quoted_root = client.make_qualified_table_name(root)
            if root == table:
                sql = f"select count(*) from {quoted_root} where {of_these_loads}"
            else:
                root_id = client.escape_column_name("_dlt_root_id")
                row_id = client.escape_column_name("_dlt_id")
                sql = (
                    f"select count(*) from {client.make_qualified_table_name(table)} where {root_id} in"
                    f" (select {row_id} from {quoted_root} where {of_these_loads})"
                )
            kept[table] = int(client.execute_sql(sql, *load_ids)[0][0])
    return kept
