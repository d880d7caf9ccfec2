"""What reaches the raw tables: type clashes fail, duplicates keep the newest row, colliding names fail."""

from __future__ import annotations

from collections.abc import Callable

import dlt
import pytest
from conftest import query
from dlt.pipeline.exceptions import PipelineStepFailed
from rest_fake_api import WIDGETS, FakeApi

DECLARATION = """
client:
  base_url: http://example.invalid
  paginator: single_page
{contract}
resources:
  - name: widgets
    primary_key: id
    write_disposition: merge
    endpoint: {{path: keyset/widgets, params: {{limit: 100}}}}
    columns:
      updated_at: {{dedup_sort: desc}}
"""


def _columns(pipeline: dlt.Pipeline) -> set[str]:
    rows = query(
        pipeline,
        "select column_name from information_schema.columns"
        f" where table_schema = '{pipeline.dataset_name}' and table_name = 'widgets'",
    )
    return {name for (name,) in rows}


def test_a_type_clash_fails_instead_of_hiding_in_a_variant_column(
    api: FakeApi, load: Callable[..., dlt.Pipeline]
):
    pipeline = load("clash", DECLARATION.format(contract=""))
    api.widgets[0] = {**api.widgets[0], "price": "cheap", "updated_at": "2024-02-01T00:00:00"}
    with pytest.raises(PipelineStepFailed, match="data_type"):
        load("clash", DECLARATION.format(contract=""))
    assert "price__v_text" not in _columns(pipeline)
    assert query(pipeline, "select price from widgets where id = 1") == [(100,)], "the old row stands"


def test_a_declaration_may_opt_out_of_the_frozen_types(api: FakeApi, load: Callable[..., dlt.Pipeline]):
    declaration = DECLARATION.format(contract="schema_contract: evolve")
    load("variant", declaration)
    api.widgets[0] = {**api.widgets[0], "price": "cheap"}
    pipeline = load("variant", declaration)
    assert "price__v_text" in _columns(pipeline), "without the contract dlt hides the clash in a variant"


def test_dedup_sort_keeps_the_newest_version_of_a_row(api: FakeApi, load: Callable[..., dlt.Pipeline]):
    newer = {**WIDGETS[0], "name": "newer", "updated_at": "2024-02-01T00:00:00"}
    newest = {**WIDGETS[1], "name": "newest", "updated_at": "2024-02-02T00:00:00"}
    # One page with two versions of ids 1 and 2: the newest first for one, last for the other.
    api.widgets = [newer, WIDGETS[0], WIDGETS[1], newest]
    pipeline = load("dedup", DECLARATION.format(contract=""))
    assert query(pipeline, "select id, name from widgets order by id") == [(1, "newer"), (2, "newest")]


def test_colliding_column_names_fail_the_run(api: FakeApi, load: Callable[..., dlt.Pipeline]):
    api.widgets = [{"id": 1, "User ID": "a", "userId": "b", "updated_at": "2024-01-01T00:00:00"}]
    with pytest.raises(PipelineStepFailed, match="collide") as failure:
        load("collide", DECLARATION.format(contract=""))
    assert "'User ID', 'userId'" in str(failure.value)
