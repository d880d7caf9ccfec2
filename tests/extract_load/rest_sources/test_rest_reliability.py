"""Rate limits, server errors, hung servers and broken pages: retried, bounded, or failed with nothing loaded.

Retry and timeout settings come from dlt's runtime config; the folder's conftest makes them small through
``RUNTIME__REQUEST_*`` environment variables, exactly as production sets them under ``[runtime]``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import dlt
import pytest
from conftest import query
from dlt.pipeline.exceptions import PipelineStepFailed
from rest_fake_api import WIDGETS, FakeApi, server_error, too_many_requests, truncated_json

from extract_load.rest import rest_source_from_file

PAGED = """
client:
  base_url: http://example.invalid
  paginator: {type: header_link}
resources:
  - name: widgets
    primary_key: id
    write_disposition: merge
    endpoint:
      path: link/widgets
      params: {per_page: 3}
"""

INCREMENTAL = """
client:
  base_url: http://example.invalid
  paginator: {type: header_link}
resources:
  - name: widgets
    primary_key: id
    write_disposition: merge
    endpoint:
      path: link/widgets
      params: {per_page: 3}
      incremental:
        start_param: updated_since
        cursor_path: updated_at
        initial_value: "2024-01-01T00:00:00"
"""


def _widget_rows(pipeline: dlt.Pipeline) -> list[tuple]:
    return query(pipeline, "select count(*), count(distinct id) from widgets")


def test_a_429_is_retried_after_the_retry_after_header(api: FakeApi, load: Callable[..., dlt.Pipeline]):
    api.script("/link/widgets", None, too_many_requests(retry_after="1"))
    pipeline = load("rate_limited", PAGED)
    pages = api.seen("/link/widgets")
    assert [seen.args.get("page") for seen in pages] == [None, "2", "2", "3"]
    waited = pages[2].at - pages[1].at
    assert 0.9 <= waited < 10, f"waited {waited:.2f}s; Retry-After asked for 1s (backoff alone is 0.01s)"
    assert _widget_rows(pipeline) == [(len(WIDGETS), len(WIDGETS))]


def test_a_burst_of_server_errors_is_retried_until_the_page_comes(
    api: FakeApi, load: Callable[..., dlt.Pipeline]
):
    api.script("/link/widgets", server_error, server_error, server_error)
    pipeline = load("flaky", PAGED)
    assert len(api.seen("/link/widgets")) == 3 + 3, "three 500s, then the three pages"
    assert _widget_rows(pipeline) == [(len(WIDGETS), len(WIDGETS))]


def test_server_errors_beyond_the_attempts_fail_the_run(
    api: FakeApi, declare: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "2")
    api.script("/link/widgets", server_error, server_error, server_error)
    source = rest_source_from_file(str(declare("broken", PAGED)), base_url=api.url("/"))
    with pytest.raises(Exception, match="500 Server Error"):
        list(source)
    assert len(api.seen("/link/widgets")) == 2, "RUNTIME__REQUEST_MAX_ATTEMPTS bounds the attempts"


def test_a_hung_server_fails_the_run_within_the_request_timeout(
    api: FakeApi, load: Callable[..., dlt.Pipeline], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("RUNTIME__REQUEST_TIMEOUT", "0.5")
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "2")
    api.hanging.add("/link/widgets")
    started = time.monotonic()
    with pytest.raises(PipelineStepFailed, match="(?i)timed out"):
        load("hung", PAGED)
    elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 9, (
        f"two attempts of 0.5 s each against a server hanging 10 s, took {elapsed:.2f}s"
    )


def test_a_truncated_page_loads_nothing_and_keeps_the_cursor(
    api: FakeApi, declare: Callable[[str, str], Path], pipeline_for: Callable[[str], dlt.Pipeline]
):
    path = str(declare("truncated", INCREMENTAL))
    pipeline = pipeline_for("truncated")
    api.script("/link/widgets", None, truncated_json)
    with pytest.raises(PipelineStepFailed, match="extract"):
        pipeline.run(rest_source_from_file(path, base_url=api.url("/")))
    tables = query(
        pipeline, "select count(*) from information_schema.tables where table_schema = 'raw_truncated'"
    )
    assert tables == [(0,)], "nothing reached the warehouse"
    assert pipeline.list_extracted_load_packages() == [] and pipeline.list_normalized_load_packages() == []
    assert "sources" not in pipeline.state or not pipeline.state["sources"], "the cursor did not move"

    api.requests.clear()
    pipeline.run(rest_source_from_file(path, base_url=api.url("/")))
    assert api.seen("/link/widgets")[0].args["updated_since"] == "2024-01-01T00:00:00"
    assert _widget_rows(pipeline) == [(len(WIDGETS), len(WIDGETS))]
