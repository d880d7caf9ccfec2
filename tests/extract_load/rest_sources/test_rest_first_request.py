"""An incremental filter sent with the first request only, for APIs that refuse it beside a page token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import dlt
import pytest
from conftest import query
from dlt.pipeline.exceptions import PipelineStepFailed
from rest_fake_api import FakeApi

from extract_load.ledger import RowLedger
from extract_load.rest import DeclarationError, rest_source_from_file

PAGINATORS = {
    "keyset": "{type: keyset, param: after_id, key: id, page_size: 3}",
    "cursor": "{type: cursor, cursor_path: next_cursor, cursor_param: cursor}",
}
DECLARATION = """
client:
  base_url: http://example.invalid
resources:
  - name: widgets
    primary_key: id
    write_disposition: merge
    endpoint:
      path: strict/{style}/widgets
      paginator: {paginator}
      data_selector: {selector}
      params: {{limit: 3}}
      incremental:
        start_param: updated_since
        cursor_path: updated_at
        initial_value: "2024-01-03T00:00:00"
        {first_only}
"""


def declaration(style: str, first_only: str = "first_request_only: true") -> str:
    """The strict endpoint of ``style`` with an incremental filter, sent on the first request only or not."""
    selector = "data" if style == "cursor" else "$"
    return DECLARATION.format(
        style=style, paginator=PAGINATORS[style], selector=selector, first_only=first_only
    )


@pytest.mark.parametrize("style", list(PAGINATORS))
def test_the_filter_goes_with_the_first_request_only(
    style: str, api: FakeApi, load: Callable[..., dlt.Pipeline]
) -> None:
    api.widgets[5]["updated_at"] = "2024-01-01T00:00:00"  # id 6: older than the filter, on a later page
    ledger = RowLedger()
    pipeline = load(f"first_{style}", declaration(style), ledger=ledger)
    seen = api.seen(f"/strict/{style}/widgets")
    assert len(seen) == 2
    assert seen[0].args.get("updated_since") == "2024-01-03T00:00:00"
    assert "updated_since" not in seen[1].args and seen[1].args["limit"] == "3"
    assert query(pipeline, "select id from widgets order by id") == [(3,), (4,), (5,), (7,)]
    assert ledger.read == {"widgets": 4}  # rows the incremental drops on unfiltered pages are not read

    api.requests.clear()
    api.widgets[6]["updated_at"] = "2024-02-01T00:00:00"
    pipeline = load(f"first_{style}", declaration(style))
    assert [seen.args.get("updated_since") for seen in api.seen(f"/strict/{style}/widgets")] == [
        "2024-01-07T08:00:00"
    ]
    assert query(pipeline, "select id, updated_at from widgets where id = 7") == [
        (7, datetime(2024, 2, 1, tzinfo=UTC))
    ]


@pytest.mark.parametrize("style", list(PAGINATORS))
def test_without_the_declaration_the_api_refuses_the_second_page(
    style: str, api: FakeApi, load: Callable[..., dlt.Pipeline]
) -> None:
    with pytest.raises(PipelineStepFailed, match="400"):
        load(f"every_{style}", declaration(style, first_only=""))
    assert [seen.args.get("updated_since") for seen in api.seen(f"/strict/{style}/widgets")] == [
        "2024-01-03T00:00:00",
        "2024-01-03T00:00:00",
    ]


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            ("first_request_only: true", 'first_request_only: "yes"'),
            r"resources\[0\]\.endpoint\.incremental\.first_request_only: must be true or false, got 'yes'",
        ),
        (
            ("paginator: {type: keyset, param: after_id, key: id, page_size: 3}", "paginator: auto"),
            r"resources\[0\]\.endpoint\.incremental\.first_request_only: needs a paginator declared",
        ),
    ],
)
def test_a_wrong_first_request_only_names_the_key(
    changes: tuple[str, str], message: str, declare: Callable[[str, str], Path]
) -> None:
    path = declare("wrong", declaration("keyset").replace(*changes))
    with pytest.raises(DeclarationError, match=message):
        rest_source_from_file(path, base_url="http://127.0.0.1:9")
