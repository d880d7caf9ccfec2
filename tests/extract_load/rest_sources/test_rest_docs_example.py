"""The worked example of docs/rest_sources.md, read from the page and loaded against a local helpdesk, so the
page cannot show a declaration that does not work."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from pathlib import Path

import dlt
import pytest
from conftest import query
from rest_fake_api import TICKETS, FakeApi

from extract_load.ledger import RowLedger

ROOT = Path(__file__).resolve().parents[3]
DOCS = [ROOT / "docs" / "rest_sources.md"]
FIRST_LINE = "# extract_load/sources/helpdesk/rest_api.yaml"


def documented_declaration(doc: Path) -> str:
    """The YAML block of the page that starts with the example's file name."""
    blocks = re.findall(r"```yaml\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.DOTALL)
    matching = [block for block in blocks if block.startswith(FIRST_LINE)]
    assert len(matching) == 1, f"{doc} must hold exactly one YAML block starting with {FIRST_LINE!r}"
    return matching[0]


def _comments_of(ticket_id: int) -> int:
    return ticket_id % 3  # as the fake helpdesk serves them


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_the_documented_example_loads_tickets_and_their_comments(
    doc: Path, api: FakeApi, load: Callable[..., dlt.Pipeline], monkeypatch: pytest.MonkeyPatch
):
    token = f"helpdesk-{secrets.token_hex(8)}"
    monkeypatch.setenv("SOURCES__HELPDESK__TOKEN", token)
    monkeypatch.setenv("SOURCES__HELPDESK__PAGE_SIZE", "2")
    api.credentials["helpdesk"] = token
    ledger = RowLedger()
    declaration = documented_declaration(doc)

    pipeline = load("helpdesk", declaration, ledger=ledger, base_path="/api/v2")
    assert [seen.args["page"] for seen in api.seen("/api/v2/tickets")] == ["1", "2", "3"], (
        "5 tickets, 2 a page"
    )
    comments = sum(_comments_of(ticket["id"]) for ticket in TICKETS)
    assert query(pipeline, "select count(*), count(distinct id) from tickets") == [
        (len(TICKETS), len(TICKETS))
    ]
    assert query(pipeline, "select count(*), count(distinct _tickets_id) from ticket_comments") == [
        (comments, 4)
    ]
    row_counts = pipeline.last_trace.last_normalize_info.row_counts
    assert ledger.read == {"tickets": len(TICKETS), "ticket_comments": comments}
    assert {table: row_counts[table] for table in ledger.read} == ledger.read, "read balances loaded"
    column_type = query(
        pipeline,
        "select data_type from information_schema.columns where table_schema = 'raw_helpdesk'"
        " and table_name = 'tickets' and column_name = 'updated_at'",
    )
    assert column_type == [("TIMESTAMP",)]

    api.requests.clear()
    api.tickets[1]["subject"] = "reopened"
    api.tickets[1]["updated_at"] = "2024-03-05T09:00:00"  # saved late: before the cursor, inside the hour
    pipeline = load("helpdesk", declaration, base_path="/api/v2")
    latest = max(ticket["updated_at"] for ticket in TICKETS)
    assert latest == "2024-03-05T09:30:00"
    assert api.seen("/api/v2/tickets")[0].args["updated_since"] == "2024-03-05T08:30:00", "an hour back"
    assert sorted(seen.path for seen in api.requests if seen.path.endswith("/comments")) == [
        "/api/v2/tickets/2/comments",
        "/api/v2/tickets/5/comments",
    ]
    assert query(pipeline, "select subject from tickets where id = 2") == [("reopened",)]
    assert query(pipeline, "select count(*) from tickets") == [(len(TICKETS),)]
