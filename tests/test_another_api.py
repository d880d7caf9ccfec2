"""Another server of the documented Jaffle Shop API: pages that overlap and money sent as decimal strings.

The pipeline pointed at it (``jaffle run --api URL`` with only the API among the sources) must publish exactly
the marts the demo path publishes from the same data through the local stand-in, on DuckDB and Postgres, and
its run report must count the rows the overlap sent twice as merged away, not as loaded.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import settings
from demo.api_stand_in import serve
from tests.published_data import published_fingerprint
from warehouse.cli import main

pytestmark = pytest.mark.slow  # two demo-scale runs per engine

OVERLAP = 3  # rows of the previous page sent again at the start of each later page
PAGE_SIZE = 100
# Every money or rate field of the contract, at any depth (orders embed their items).
MONEY = {"subtotal", "tax_paid", "order_total", "price", "cost", "tax_rate"}


def _as_strings(value: object) -> object:
    """Numbers of money and rate fields as JSON strings, as FastAPI serialises ``Decimal``."""
    if isinstance(value, list):
        return [_as_strings(item) for item in value]
    if isinstance(value, dict):
        return {
            key: str(item) if key in MONEY and isinstance(item, int | float) else _as_strings(item)
            for key, item in value.items()
        }
    return value


class ForeignApi(ThreadingHTTPServer):
    """A loopback server of the same data as ``upstream``: overlapping pages, money as strings."""

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), ForeignHandler)
        self.upstream = upstream.rstrip("/")
        self.rows_sent_twice = 0
        self.money_as_strings = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/v1"


class ForeignHandler(BaseHTTPRequestHandler):
    server: ForeignApi

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's signature)
        pass

    def _upstream(self, path: str, query: dict[str, str]) -> tuple[list | dict, str | None]:
        url = f"{self.server.upstream}{path}?{urllib.parse.urlencode(query)}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read()), response.headers.get("Link")

    def do_GET(self) -> None:  # noqa: N802 (the base class's name)
        url = urllib.parse.urlsplit(self.path)
        path = url.path.removeprefix("/api/v1")
        query = dict(urllib.parse.parse_qsl(url.query))
        body, link = self._upstream(path, query)
        page = int(query.get("page", 1))
        if isinstance(body, list) and page > 1:
            previous, _ = self._upstream(path, {**query, "page": str(page - 1)})
            body = previous[-OVERLAP:] + body
            self.server.rows_sent_twice += len(previous[-OVERLAP:])
        served = _as_strings(body)
        self.server.money_as_strings += json.dumps(served).count('": "') - json.dumps(body).count('": "')
        payload = json.dumps(served).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if link:
            self.send_header("Link", link.replace(self.server.upstream, self.server.base_url))
        self.end_headers()
        self.wfile.write(payload)


@contextmanager
def foreign_api(source_dir: Path) -> Iterator[ForeignApi]:
    """The demo data behind the stand-in, served again by :class:`ForeignApi` on loopback."""
    with serve(source_dir) as upstream:
        server = ForeignApi(upstream)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield server
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


def _api_report(run_record: Path) -> dict[str, dict[str, int]]:
    """Per raw table the API returned rows for: rows read, loaded (``rows``), merged away and quarantined, as
    the run record keeps them (child tables, read with their parents, have no count of their own)."""
    steps = {step["name"]: step for step in json.loads(run_record.read_text())["steps"]}
    tables = steps["extract_load"]["detail"]["jaffle_api"]["tables"]
    return {table["table"]: table for table in tables if table["read"] is not None}


def test_another_server_publishes_the_marts_the_demo_path_gives(
    warehouse: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXTRACT_LOAD__SOURCES", '["jaffle_api"]')
    monkeypatch.setenv("SOURCES__JAFFLE_API__PAGE_SIZE", str(PAGE_SIZE))
    assert main(["demo", "--scale", "0.02"]) == 0
    demo_marts = published_fingerprint()
    assert {"orders", "customers", "order_items", "locations", "supplies"} <= set(demo_marts)

    assert main(["reset"]) == 0
    with foreign_api(data_dir / "source") as server:
        assert main(["run", "--api", server.base_url]) == 0
    assert server.rows_sent_twice > 0 and server.money_as_strings > 0, (
        "the server must differ from the stand-in"
    )
    assert published_fingerprint() == demo_marts

    runs = sorted((settings.data_dir() / "runs").glob("*.json"), key=lambda path: path.stat().st_mtime)
    report = _api_report(runs[-1])
    assert sum(table["merged_away"] for table in report.values()) == server.rows_sent_twice, report
    assert report["orders"]["merged_away"] > 0
    for table, figures in report.items():
        assert figures["read"] == figures["rows"] + figures["merged_away"] + figures["quarantined"], table
        assert figures["balanced"] is True, table
