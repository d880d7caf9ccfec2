"""Fixtures of the declared REST source tests: the fake API, quick retry settings and DuckDB pipelines."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import dlt
import pytest
from pytest_httpserver import HTTPServer
from rest_fake_api import FakeApi

from extract_load.ledger import RowLedger
from extract_load.rest import rest_dataset_name, rest_source_from_file


@pytest.fixture(autouse=True)
def quick_http(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small timeout, attempts and backoff through dlt's runtime settings, the knobs production sets in config."""
    monkeypatch.setenv("RUNTIME__REQUEST_TIMEOUT", "2")
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "4")
    monkeypatch.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0.01")
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_RETRY_DELAY", "3")


@pytest.fixture
def api(httpserver: HTTPServer) -> Iterator[FakeApi]:
    """The fake API; hung requests are released when the test ends, and the server drained.

    The server answers one request at a time: a request queued behind a hung one is answered only after the
    release, and must be, before the next test registers its own handlers on the shared server.
    """
    fake = FakeApi(httpserver)
    yield fake
    fake.release.set()
    with urllib.request.urlopen(fake.url("/drain"), timeout=10) as response:
        response.read()


@pytest.fixture
def declare(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a declaration for source ``name`` the way a user would: ``<name>/rest_api.yaml``."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / "sources" / name / "rest_api.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def pipeline_for(tmp_path: Path) -> Callable[[str], dlt.Pipeline]:
    """A pipeline loading source ``name`` into ``raw_<name>`` of a DuckDB file under tmp_path."""

    def make(name: str) -> dlt.Pipeline:
        return dlt.pipeline(
            pipeline_name=f"rest_{name}",
            destination=dlt.destinations.duckdb(str(tmp_path / "warehouse.duckdb")),
            dataset_name=rest_dataset_name(name),
            pipelines_dir=str(tmp_path / "pipelines"),
        )

    return make


@pytest.fixture
def load(
    api: FakeApi, declare: Callable[[str, str], Path], pipeline_for: Callable[[str], dlt.Pipeline]
) -> Callable[..., dlt.Pipeline]:
    """Declare source ``name`` with ``text`` and run it against the fake API (at ``base_path``)."""

    def run(name: str, text: str, ledger: RowLedger | None = None, base_path: str = "/") -> dlt.Pipeline:
        source = rest_source_from_file(declare(name, text), base_url=api.url(base_path), ledger=ledger)
        pipeline = pipeline_for(name)
        pipeline.run(source)
        return pipeline

    return run


def query(pipeline: dlt.Pipeline, sql: str) -> list[tuple]:
    """Rows of a query on the pipeline's warehouse."""
    with pipeline.sql_client() as client:
        return [tuple(row) for row in client.execute_sql(sql)]
