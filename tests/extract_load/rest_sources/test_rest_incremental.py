"""Incremental loading: reruns add nothing, a lookback window catches late rows, counts reach the ledger."""

from __future__ import annotations

from collections.abc import Callable

import dlt
from conftest import query
from rest_fake_api import WIDGETS, FakeApi

from extract_load.ledger import RowLedger

DECLARATION = """
client:
  base_url: http://example.invalid
  paginator: {{type: header_link}}
resource_defaults:
  primary_key: id
  write_disposition: merge
  endpoint:
    params: {{per_page: 3}}
resources:
  - name: widgets
    endpoint:
      path: link/widgets
      incremental:
        start_param: updated_since
        cursor_path: updated_at
        initial_value: "2024-01-01T00:00:00"
        {lag}
  - name: catalog
    endpoint:
      path: pages/widgets
      paginator: {{type: page_number, base_page: 1, total_path: total_pages}}
      data_selector: data
"""
LATEST = max(row["updated_at"] for row in WIDGETS)


def _new_rows(pipeline: dlt.Pipeline, table: str) -> int:
    return pipeline.last_trace.last_normalize_info.row_counts.get(table, 0)


def test_a_rerun_asks_from_the_cursor_and_adds_nothing(api: FakeApi, load: Callable[..., dlt.Pipeline]):
    first_ledger, second_ledger = RowLedger(), RowLedger()
    pipeline = load("rerun", DECLARATION.format(lag=""), ledger=first_ledger)
    assert first_ledger.read == {"widgets": len(WIDGETS), "catalog": len(WIDGETS)}
    api.requests.clear()

    pipeline = load("rerun", DECLARATION.format(lag=""), ledger=second_ledger)
    assert [seen.args["updated_since"] for seen in api.seen("/link/widgets")] == [LATEST]
    assert _new_rows(pipeline, "widgets") == 0
    assert query(pipeline, "select count(*) from widgets") == [(len(WIDGETS),)]
    assert second_ledger.read.get("widgets", 0) == 0, "the boundary row dlt drops is not counted as read"
    assert second_ledger.read["catalog"] == _new_rows(pipeline, "catalog") == len(WIDGETS)


def test_default_params_are_not_shared_so_the_cursor_stays_on_its_endpoint(
    api: FakeApi, load: Callable[..., dlt.Pipeline]
):
    load("own_params", DECLARATION.format(lag=""))
    load("own_params", DECLARATION.format(lag=""))
    catalog = api.seen("/pages/widgets")
    assert catalog and all("updated_since" not in seen.args for seen in catalog)
    assert all(seen.args["per_page"] == "3" for seen in api.seen("/link/widgets") + catalog)


def test_a_late_row_inside_the_lookback_window_is_picked_up(api: FakeApi, load: Callable[..., dlt.Pipeline]):
    declaration = DECLARATION.format(lag="lag: 86400  # one day, in seconds")
    load("late", declaration)
    api.widgets.append({"id": 8, "name": "late", "price": 800, "updated_at": "2024-01-06T20:00:00"})
    api.widgets.append({"id": 9, "name": "too late", "price": 900, "updated_at": "2024-01-02T08:00:00"})
    api.requests.clear()

    pipeline = load("late", declaration)
    assert api.seen("/link/widgets")[0].args["updated_since"] == "2024-01-06T08:00:00", (
        "a day before the cursor"
    )
    assert query(pipeline, "select id from widgets where id > 7") == [(8,)], "only the row inside the window"
    assert query(pipeline, "select count(*), count(distinct id) from widgets") == [(8, 8)]
