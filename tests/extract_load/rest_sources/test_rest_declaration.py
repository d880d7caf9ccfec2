"""Declarations are checked before anything runs: every mistake names the file and the key at fault."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from rest_fake_api import WIDGETS, FakeApi, json_response
from werkzeug import Request

from extract_load.rest import (
    DeclarationError,
    MissingSecretError,
    declared_rest_source,
    declared_rest_sources,
    load_declaration,
    rest_source_from_file,
)
from extract_load.rest.converters import as_date, as_unix_seconds

MISTAKES = {
    "unknown top-level key": ("nope: 1\nresources: [a]", "nope", "unknown key"),
    "no resources": ("client: {base_url: http://x.invalid}", "resources", "non-empty list"),
    "a resource twice": ("resources: [a, {name: a}]", "resources[1].name", "declared twice"),
    "unknown converter": (
        "resources:\n  - name: a\n    endpoint:\n      incremental: {cursor_path: t, convert: weekday}",
        "resources[0].endpoint.incremental.convert",
        "unknown converter 'weekday'; expected one of date, iso, unix_seconds",
    ),
    "negative lag": (
        "resources:\n  - name: a\n    endpoint:\n      incremental: {cursor_path: t, lag: -1}",
        "resources[0].endpoint.incremental.lag",
        ">= 0",
    ),
    "bad dedup_sort": (
        "resources:\n  - name: a\n    columns: {t: {dedup_sort: newest}}",
        "resources[0].columns.t.dedup_sort",
        "expected one of ('asc', 'desc')",
    ),
    "bad contract": (
        "schema_contract: {types: freeze}\nresources: [a]",
        "schema_contract.types",
        "expected one of",
    ),
    "secret outside auth": (
        "resources:\n  - name: a\n    endpoint:\n      params: {key: {secret: sources.x.key}}",
        "resources[0].endpoint.params.key",
        "only be used inside an `auth` block",
    ),
    "bad keyset settings": (
        "resources:\n  - name: a\n    endpoint:\n      paginator: {type: keyset, cursor: id}",
        "resources[0].endpoint.paginator",
        "invalid settings for paginator 'keyset'",
    ),
    "unknown paginator (dlt's own check)": (
        "resources:\n  - name: a\n    endpoint:\n      paginator: {type: sideways}",
        None,
        "rejected by dlt's rest_api",
    ),
    "duplicate YAML key": ("resources: [a]\nresources: [b]", None, "duplicate key 'resources'"),
    "broken YAML": ("resources: [a", None, "invalid YAML"),
}


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_a_mistake_names_the_file_and_the_key(mistake: str, declare: Callable[[str, str], Path]):
    text, key, message = MISTAKES[mistake]
    path = declare("mistaken", "client: {base_url: http://x.invalid}\n" * ("client" not in text) + text)
    with pytest.raises(DeclarationError) as error:
        rest_source_from_file(str(path))
    assert str(error.value).startswith(f"{path}: {key}: " if key else f"{path}: ")
    assert message in str(error.value)


def test_a_missing_secret_names_its_key_and_environment_variable(
    declare: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("SOURCES__LOCKED__TOKEN", raising=False)
    text = "client:\n  base_url: http://x.invalid\n  auth: {type: bearer, token: {secret: sources.locked.token}}\n"
    path = declare("locked", text + "resources: [a]")
    with pytest.raises(MissingSecretError) as error:
        rest_source_from_file(str(path))
    assert str(error.value) == (
        f"{path}: client.auth.token: secret 'sources.locked.token' is not set: "
        "export SOURCES__LOCKED__TOKEN or set it in .dlt/secrets.toml"
    )


def test_a_missing_base_url_names_the_config_key(declare: Callable[[str, str], Path]):
    path = declare("nowhere", "resources: [a]")
    with pytest.raises(DeclarationError, match=r"client.base_url: no base URL: set sources.nowhere.base_url"):
        rest_source_from_file(str(path))


def test_the_base_url_comes_from_config_before_the_file(
    api: FakeApi, declare: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
):
    text = "client: {base_url: http://unreachable.invalid, paginator: single_page}\n"
    path = declare(
        "configured", text + "resources: [{name: w, endpoint: {path: keyset/widgets, params: {limit: 99}}}]"
    )
    monkeypatch.setenv("SOURCES__CONFIGURED__BASE_URL", api.url("/"))
    assert len(list(rest_source_from_file(str(path)))) == len(WIDGETS)
    assert len(api.seen("/keyset/widgets")) == 1


def test_the_declared_sources_are_listed_and_an_unknown_one_is_refused():
    assert "jaffle_api" in declared_rest_sources()
    with pytest.raises(
        DeclarationError, match=r"no declaration for REST source 'no_such_api' \(declared: .*jaffle_api"
    ):
        declared_rest_source("no_such_api")


def test_the_jaffle_declaration_builds_its_resources_and_hints(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCES__JAFFLE_API__PAGE_SIZE", "25")
    source = declared_rest_source("jaffle_api", base_url="http://127.0.0.1:9/api/v1")
    assert sorted(source.resources) == ["customers", "orders", "products", "stores", "supplies"]
    assert source.max_table_nesting == 1
    assert source.schema_contract == {"tables": "evolve", "columns": "evolve", "data_type": "freeze"}
    assert source.resources["orders"].compute_table_schema()["columns"]["ordered_at"]["timezone"] is False


def test_the_named_converters():
    assert as_date("2017-01-04T10:01:00") == "2017-01-04"
    assert as_unix_seconds("1970-01-02T00:00:00") == 86400


def test_timestamps_stay_strings_like_the_json_they_are_compared_with(declare: Callable[[str, str], Path]):
    text = "resources:\n  - name: a\n    endpoint:\n      incremental: {cursor_path: t, initial_value: 2024-01-01T00:00:00}"
    declaration = load_declaration(declare("stamped", text))
    assert (
        declaration.body["resources"][0]["endpoint"]["incremental"]["initial_value"] == "2024-01-01T00:00:00"
    )


def test_an_override_of_a_config_reference_wins_over_the_config(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SOURCES__JAFFLE_API__PAGE_SIZE", "25")
    asked: list[dict[str, str]] = []

    def customers(request: Request):
        asked.append(request.args.to_dict())
        return json_response([{"id": "c1", "name": "Ann"}])

    httpserver.expect_request("/api/v1/customers").respond_with_handler(customers)
    overrides = {"sources.jaffle_api.page_size": 4}
    source = declared_rest_source("jaffle_api", httpserver.url_for("/api/v1"), overrides=overrides)
    source = source.with_resources("customers")
    assert list(source) == [{"id": "c1", "name": "Ann"}]
    assert asked == [{"page_size": "4"}], "the argument wins over SOURCES__JAFFLE_API__PAGE_SIZE"
