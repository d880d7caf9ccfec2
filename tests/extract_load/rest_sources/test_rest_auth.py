"""Every auth style, with the credential from a secret: the server checks it, and it never reaches a log.

Each declaration reads its credential through ``{secret: ...}`` from the environment (as a deployment would)
and passes it through one of dlt's auth classes. A load at DEBUG must not leave the secret in any log record,
in what was printed, in dlt's trace or state, or in any file the run wrote.
"""

from __future__ import annotations

import base64
import logging
import secrets
from collections.abc import Callable
from pathlib import Path

import dlt
import pytest
from conftest import query
from rest_fake_api import WIDGETS, FakeApi

from extract_load.rest import rest_source_from_file

AUTH_BLOCKS = {
    "bearer": "type: bearer\n    token: {secret: sources.auth_bearer.token}",
    "api_key_header": (
        "type: api_key\n    name: X-API-Key\n    location: header\n"
        "    api_key: {secret: sources.auth_api_key_header.api_key}"
    ),
    "api_key_query": (
        "type: api_key\n    name: api_key\n    location: query\n"
        "    api_key: {secret: sources.auth_api_key_query.api_key}"
    ),
    "basic": "type: http_basic\n    username: robot\n    password: {secret: sources.auth_basic.password}",
    "oauth": (
        "type: oauth2_client_credentials\n    access_token_url: {config: sources.auth_oauth.token_url}\n"
        "    client_id: {secret: sources.auth_oauth.client_id}\n"
        "    client_secret: {secret: sources.auth_oauth.client_secret}"
    ),
}

DECLARATION = """
client:
  base_url: http://example.invalid
  auth:
    {auth}
resources:
  - name: widgets
    primary_key: id
    endpoint:
      path: auth/{style}/widgets
      paginator: single_page
"""


def _configure(style: str, api: FakeApi, monkeypatch: pytest.MonkeyPatch, right: bool = True) -> str:
    """Put a fresh canary credential in the environment; the server expects it (or another one)."""
    canary = f"canary-{style}-{secrets.token_hex(8)}"
    expected = canary if right else f"other-{secrets.token_hex(8)}"
    prefix = f"SOURCES__AUTH_{style.upper()}__"
    if style == "bearer":
        monkeypatch.setenv(prefix + "TOKEN", canary)
        api.credentials[style] = f"Bearer {expected}"
    elif style.startswith("api_key"):
        monkeypatch.setenv(prefix + "API_KEY", canary)
        api.credentials[style] = expected
    elif style == "basic":
        monkeypatch.setenv(prefix + "PASSWORD", canary)
        api.credentials[style] = f"robot:{expected}"
    else:
        monkeypatch.setenv(prefix + "CLIENT_ID", "warehouse-loader")
        monkeypatch.setenv(prefix + "CLIENT_SECRET", canary)
        monkeypatch.setenv(prefix + "TOKEN_URL", api.url("/oauth/token"))
        api.credentials["oauth_client"] = f"warehouse-loader:{expected}"
        api.credentials[style] = f"Bearer {api.issued_token}"
    return canary


def _files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


@pytest.fixture
def debug_logs(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
):
    """Every logger at DEBUG, dlt's own (which does not propagate) included, captured by caplog."""
    monkeypatch.setenv("RUNTIME__LOG_LEVEL", "DEBUG")
    # The fake server's own access log prints its request lines: that is the API's log, not the loader's.
    # (Set first: caplog also sets its handler to the last level given.)
    caplog.set_level(logging.WARNING, logger="werkzeug")
    caplog.set_level(logging.DEBUG, logger="dlt")
    caplog.set_level(logging.DEBUG)
    dlt_logger = logging.getLogger("dlt")
    dlt_logger.addHandler(caplog.handler)
    request.addfinalizer(lambda: dlt_logger.removeHandler(caplog.handler))
    return caplog


@pytest.mark.parametrize("style", list(AUTH_BLOCKS))
def test_the_credential_reaches_the_server_and_no_log_or_file(
    style: str,
    api: FakeApi,
    load: Callable[..., dlt.Pipeline],
    monkeypatch: pytest.MonkeyPatch,
    debug_logs: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
):
    canary = _configure(style, api, monkeypatch)
    pipeline = load(f"auth_{style}", DECLARATION.format(auth=AUTH_BLOCKS[style], style=style))

    assert query(pipeline, "select count(*) from widgets") == [(len(WIDGETS),)]
    served = api.seen(f"/auth/{style}/widgets")
    assert len(served) == 1, "one authorised request, no retries"
    if style == "oauth":
        assert api.seen("/oauth/token")[0].form["client_secret"] == canary
    logged = debug_logs.text
    assert "DEBUG" in logged and len(debug_logs.records) > 20, "the run must really have logged at DEBUG"
    printed = capfd.readouterr()
    forms = {canary, base64.b64encode(f"robot:{canary}".encode()).decode()}
    for form in forms:
        assert form not in logged
        assert form not in printed.out + printed.err
        assert form not in repr(pipeline.last_trace.asdict())
        assert form not in repr(pipeline.state)
        leaking = [path for path in _files_under(tmp_path) if form.encode() in path.read_bytes()]
        assert leaking == [], f"secret found in {leaking}"
    if style == "api_key_query":
        assert "api_key=***" in logged, "urllib3's request line is logged, with the key masked"


@pytest.mark.parametrize("style", list(AUTH_BLOCKS))
def test_a_wrong_credential_is_refused_by_the_server(
    style: str, api: FakeApi, declare: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
):
    canary = _configure(style, api, monkeypatch, right=False)
    path = declare(f"auth_{style}", DECLARATION.format(auth=AUTH_BLOCKS[style], style=style))
    source = rest_source_from_file(str(path), base_url=api.url("/"))
    with pytest.raises(Exception, match="401") as failure:
        list(source)
    assert canary not in str(failure.value)
    assert len(api.requests) == 1, "a refused credential is not retried"
