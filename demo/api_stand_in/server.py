"""HTTP layer of the stand-in: routes, query parameters, Link-header pagination, JSON bodies."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from demo.api_stand_in.data import ENTITIES, SourceData

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
DEFAULT_PAGE_SIZE = 100
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ParamError(Exception):
    """Invalid query parameters; carries FastAPI-style error entries for a 422 body."""

    def __init__(self, errors: list[dict]) -> None:
        """Keep the error entries."""
        super().__init__(errors)
        self.errors = errors


def _error(name: str, kind: str, message: str, value: str) -> dict:
    """Return one FastAPI-style validation error entry."""
    return {"type": kind, "loc": ["query", name], "msg": message, "input": value}


def _positive_int(params: dict[str, str], name: str, default: int, errors: list[dict]) -> int:
    """Return params[name] as an integer >= 1, or the default; record an error if invalid."""
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        errors.append(_error(name, "int_parsing", "Input should be a valid integer", raw))
        return default
    if value < 1:
        errors.append(_error(name, "greater_than_equal", "Input should be greater than or equal to 1", raw))
    return value


def _date(params: dict[str, str], name: str, errors: list[dict]) -> date | None:
    """Return params[name] as a YYYY-MM-DD date, or None; record an error if invalid."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        if _DATE.match(raw):
            return date.fromisoformat(raw)
    except ValueError:
        pass
    errors.append(
        _error(name, "date_from_datetime_parsing", "Input should be a valid date (YYYY-MM-DD)", raw)
    )
    return None


def collection_params(entity: str, params: dict[str, str]) -> dict:
    """Validate page, page_size (and start_date, end_date for orders); raise ParamError if invalid."""
    errors: list[dict] = []
    parsed = {
        "page": _positive_int(params, "page", 1, errors),
        "page_size": _positive_int(params, "page_size", DEFAULT_PAGE_SIZE, errors),
    }
    if entity == "orders":
        parsed["start"] = _date(params, "start_date", errors)
        parsed["end"] = _date(params, "end_date", errors)
    if errors:
        raise ParamError(errors)
    return parsed


class StandInServer(ThreadingHTTPServer):
    """Threading HTTP server holding the loaded source data."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], data: SourceData) -> None:
        """Bind to address and serve data."""
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.data = data
        super().__init__(address, RequestHandler)


class RequestHandler(BaseHTTPRequestHandler):
    """Serves the Jaffle Shop API routes (GET only)."""

    protocol_version = "HTTP/1.1"
    timeout = 30
    server: StandInServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (signature of the base class)
        """Log requests at DEBUG instead of writing to stderr."""
        logger.debug("%s - " + format, self.address_string(), *args)

    def do_GET(self) -> None:  # noqa: N802 (name required by BaseHTTPRequestHandler)
        """Route a GET request and send a JSON response."""
        url = urlsplit(self.path)
        query = parse_qsl(url.query, keep_blank_values=True)
        try:
            status, body, headers = self._route(url.path.rstrip("/") or "/", dict(query), query)
        except ParamError as exc:
            status, body, headers = HTTPStatus.UNPROCESSABLE_ENTITY, {"detail": exc.errors}, {}
        except Exception:
            logger.exception("request %s failed", self.path)
            status, body, headers = HTTPStatus.INTERNAL_SERVER_ERROR, {"detail": "Internal Server Error"}, {}
        self._send_json(status, body, headers)

    def _route(self, path: str, params: dict[str, str], query: list[tuple[str, str]]) -> tuple:
        """Return (status, body, headers) for a path."""
        if path in ("/ping", API_PREFIX + "/ping"):
            return HTTPStatus.OK, {"message": "pong"}, {}
        if not path.startswith(API_PREFIX + "/"):
            return HTTPStatus.NOT_FOUND, {"detail": "Not Found"}, {}
        parts = path[len(API_PREFIX) + 1 :].split("/")
        if parts == ["row-counts"]:
            counts = self.server.data.row_counts()
            return HTTPStatus.OK, [{"table_name": name, "row_count": n} for name, n in counts.items()], {}
        if parts[0] not in ENTITIES or len(parts) > 2:
            return HTTPStatus.NOT_FOUND, {"detail": "Not Found"}, {}
        if len(parts) == 2:
            return self._record(parts[0], unquote(parts[1]))
        return self._collection(parts[0], path, params, query)

    def _record(self, entity: str, key: str) -> tuple:
        """Return one record, or 404."""
        record = self.server.data.record(entity, key)
        if record is None:
            return HTTPStatus.NOT_FOUND, {"detail": f"{entity} {key!r} not found"}, {}
        return HTTPStatus.OK, record, {}

    def _collection(
        self, entity: str, path: str, params: dict[str, str], query: list[tuple[str, str]]
    ) -> tuple:
        """Return one page of a collection, with a Link header to the next page when there is one."""
        args = collection_params(entity, params)
        page = self.server.data.page(entity, **args)
        headers = {}
        if page.has_next:
            next_query = [(k, v) for k, v in query if k != "page"] + [("page", str(args["page"] + 1))]
            # Relative, exactly as the public API writes it; clients resolve it against the request URL.
            headers["Link"] = f'<{path}?{urlencode(next_query)}>; rel="next"'
        return HTTPStatus.OK, page.rows, headers

    def _send_json(self, status: HTTPStatus, body: object, headers: dict[str, str]) -> None:
        """Send a compact JSON body with Content-Length (keeps HTTP/1.1 connections alive)."""
        payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


def make_server(source_dir: Path, host: str = "127.0.0.1", port: int = 0) -> StandInServer:
    """Load source_dir and bind a server (port 0 picks a free port); call serve_forever() to run it."""
    return StandInServer((host, port), SourceData(Path(source_dir)))


def base_url(server: StandInServer) -> str:
    """Return the API base URL of a bound server, e.g. http://127.0.0.1:8765/api/v1."""
    address, port = server.server_address[:2]
    host = f"[{address}]" if ":" in address else address
    return f"http://{host}:{port}{API_PREFIX}"


@contextmanager
def serve(source_dir: Path, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run the stand-in in a daemon thread; yield its base URL; shut it down on exit."""
    server = make_server(source_dir, host, port)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="jaffle-api-stand-in", daemon=True
    )
    thread.start()
    try:
        yield base_url(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        server.data.close()
