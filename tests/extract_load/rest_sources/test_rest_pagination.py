"""Every pagination style a declaration can name, against the fake API: all pages read, all rows loaded."""

from __future__ import annotations

import pytest
from conftest import query
from rest_fake_api import WIDGETS

# style -> (paginator and selector YAML of the endpoint, page parameter, its value on each request)
STYLES = {
    "link": ("paginator: {type: header_link}\n      params: {per_page: 3}", "page", [None, "2", "3"]),
    "pages": (
        "paginator: {type: page_number, base_page: 1, page_param: page, total_path: total_pages}\n"
        "      data_selector: data\n      params: {per_page: 3}",
        "page",
        ["1", "2", "3"],
    ),
    "offset": (
        "paginator: {type: offset, limit: 3, offset_param: offset, limit_param: limit, total_path: total}\n"
        "      data_selector: items",
        "offset",
        ["0", "3", "6"],
    ),
    "json_link": (
        "paginator: {type: json_link, next_url_path: next}\n      data_selector: results\n"
        "      params: {per_page: 3}",
        "page",
        [None, "2", "3"],
    ),
    "cursor": (
        "paginator: {type: cursor, cursor_path: next_cursor, cursor_param: cursor}\n"
        "      data_selector: data\n      params: {limit: 3}",
        "cursor",
        [None, "c3", "c6"],
    ),
    "keyset": (
        "paginator: {type: keyset, param: after_id, key: id, page_size: 3}\n      params: {limit: 3}",
        "after_id",
        [None, "3", "6"],
    ),
}

DECLARATION = """
client:
  base_url: http://example.invalid
resources:
  - name: widgets
    primary_key: id
    write_disposition: merge
    endpoint:
      path: {style}/widgets
      {endpoint}
"""


@pytest.mark.parametrize("style", list(STYLES))
def test_every_page_is_read_and_every_row_loaded(style: str, api, load):
    endpoint, param, values = STYLES[style]
    pipeline = load(f"paged_{style}", DECLARATION.format(style=style, endpoint=endpoint))
    assert [seen.args.get(param) for seen in api.seen(f"/{style}/widgets")] == values
    assert query(pipeline, "select count(*), count(distinct id), sum(price) from widgets") == [
        (len(WIDGETS), len(WIDGETS), sum(row["price"] for row in WIDGETS))
    ]
