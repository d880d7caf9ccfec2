"""A small scripted REST API on loopback: every pagination and auth style the declared sources support.

Widgets (7 rows, sorted by ``id``) are served under ``/<style>/widgets`` for each pagination style, under
``/auth/<style>/widgets`` behind each auth style and under ``/strict/<style>/widgets`` (keyset, cursor) by an
API that refuses the ``updated_since`` filter beside a page token; a made-up helpdesk (``/api/v2/tickets``
with a child endpoint ``/api/v2/tickets/<id>/comments``) backs the documentation's example. Every request is
recorded; responses can be scripted per path (429, 500, truncated JSON) and paths can be made to hang.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

HANG_SECONDS = 10.0
WIDGETS = [
    {"id": i, "name": f"widget {i}", "price": 100 * i, "updated_at": f"2024-01-{i:02d}T08:00:00"}
    for i in range(1, 8)
]
TICKETS = [
    {"id": i, "subject": f"ticket {i}", "status": "open", "updated_at": f"2024-03-0{i}T09:30:00"}
    for i in range(1, 6)
]


@dataclass
class Seen:
    """One request as the server saw it."""

    path: str
    args: dict[str, str]
    headers: dict[str, str]
    form: dict[str, str]
    at: float


def json_response(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response."""
    return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")


def too_many_requests(retry_after: str = "1") -> Callable[[], Response]:
    """A scripted 429 asking the client to come back after ``retry_after`` seconds."""
    return lambda: json_response({"detail": "slow down"}, 429, {"Retry-After": retry_after})


def server_error() -> Response:
    """A scripted 500."""
    return json_response({"detail": "boom"}, 500)


def truncated_json() -> Response:
    """A 200 whose JSON body was cut off mid-way."""
    return Response('[{"id": 1, "name": "wid', status=200, content_type="application/json")


class FakeApi:
    """Routes every request of ``server`` to the handlers below and records it."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.widgets = [dict(row) for row in WIDGETS]
        self.tickets = [dict(row) for row in TICKETS]
        self.requests: list[Seen] = []
        self.scripted: dict[str, list[Callable[[], Response] | None]] = defaultdict(list)
        self.hanging: set[str] = set()
        self.release = threading.Event()
        self.credentials: dict[str, str] = {}
        self.issued_token = "issued-access-token-0000"
        self._routes: list[tuple[str, Callable[..., Response]]] = [
            (r"/link/widgets", self._link),
            (r"/pages/widgets", self._pages),
            (r"/offset/widgets", self._offset),
            (r"/json_link/widgets", self._json_link),
            (r"/cursor/widgets", self._cursor),
            (r"/keyset/widgets", self._keyset),
            (r"/strict/keyset/widgets", self._strict(self._keyset, "after_id")),
            (r"/strict/cursor/widgets", self._strict(self._sealed_cursor, "cursor")),
            (r"/auth/(\w+)/widgets", self._authenticated),
            (r"/oauth/token", self._token),
            (r"/api/v2/tickets", self._tickets),
            (r"/api/v2/tickets/(\d+)/comments", self._comments),
            (r"/drain", lambda request: json_response({"idle": True})),
        ]
        server.expect_request(re.compile(r"^/.*$")).respond_with_handler(self._dispatch)

    def url(self, path: str = "") -> str:
        """An absolute URL on the server."""
        return self.server.url_for(path)

    def seen(self, path: str) -> list[Seen]:
        """Requests made to ``path``, in order."""
        return [request for request in self.requests if request.path == path]

    def script(self, path: str, *responses: Callable[[], Response] | None) -> None:
        """Serve these responses, in order, to the next requests to ``path`` (None: the real response)."""
        self.scripted[path].extend(responses)

    def _dispatch(self, request: Request) -> Response:
        """Record, then serve a scripted response, hang, or route."""
        self.requests.append(
            Seen(
                request.path,
                request.args.to_dict(),
                dict(request.headers),
                request.form.to_dict(),
                time.monotonic(),
            )
        )
        scripted = self.scripted[request.path].pop(0) if self.scripted.get(request.path) else None
        if scripted is not None:
            return scripted()
        if request.path in self.hanging:
            self.release.wait(HANG_SECONDS)
            return json_response([])
        for pattern, handler in self._routes:
            match = re.fullmatch(pattern, request.path)
            if match:
                return handler(request, *match.groups())
        return json_response({"detail": "not found"}, 404)

    def _selected(self, request: Request, rows: list[dict]) -> list[dict]:
        """Rows updated at or after ``updated_since`` when given, sorted by id."""
        since = request.args.get("updated_since")
        selected = [row for row in rows if since is None or row["updated_at"] >= since]
        return sorted(selected, key=lambda row: row["id"])

    def _page(
        self, request: Request, rows: list[dict], size_param: str = "per_page"
    ) -> tuple[list, int, int]:
        """One page by ``page`` (1-based) and a page size; also the page number and the page count."""
        page, size = int(request.args.get("page", 1)), int(request.args.get(size_param, 3))
        return rows[(page - 1) * size : page * size], page, max(1, math.ceil(len(rows) / size))

    def _link(self, request: Request) -> Response:
        rows = self._selected(request, self.widgets)
        body, page, pages = self._page(request, rows)
        headers = {}
        if page < pages:
            headers["Link"] = f'<{request.path}?{urlencode({**request.args, "page": page + 1})}>; rel="next"'
        return json_response(body, headers=headers)

    def _pages(self, request: Request) -> Response:
        body, page, pages = self._page(request, self._selected(request, self.widgets))
        return json_response({"data": body, "page": page, "total_pages": pages})

    def _offset(self, request: Request) -> Response:
        rows = self._selected(request, self.widgets)
        offset, limit = int(request.args.get("offset", 0)), int(request.args.get("limit", 3))
        return json_response({"items": rows[offset : offset + limit], "total": len(rows)})

    def _json_link(self, request: Request) -> Response:
        body, page, pages = self._page(request, self._selected(request, self.widgets))
        query = urlencode({**request.args, "page": page + 1})
        next_url = self.url(f"{request.path}?{query}") if page < pages else None
        return json_response({"results": body, "next": next_url})

    def _cursor(self, request: Request) -> Response:
        rows = self._selected(request, self.widgets)
        offset, limit = int(request.args.get("cursor", "c0")[1:]), int(request.args.get("limit", 3))
        more = offset + limit < len(rows)
        return json_response(
            {"data": rows[offset : offset + limit], "next_cursor": f"c{offset + limit}" if more else None}
        )

    def _keyset(self, request: Request) -> Response:
        after, limit = int(request.args.get("after_id", 0)), int(request.args.get("limit", 3))
        return json_response(
            [row for row in self._selected(request, self.widgets) if row["id"] > after][:limit]
        )

    def _sealed_cursor(self, request: Request) -> Response:
        """A cursor that holds the query (``<offset>|<updated_since>``): the filter is given only once."""
        token = request.args.get("cursor")
        offset, since = token.split("|", 1) if token else ("0", request.args.get("updated_since", ""))
        rows = sorted((row for row in self.widgets if row["updated_at"] >= since), key=lambda row: row["id"])
        start, limit = int(offset), int(request.args.get("limit", 3))
        more = start + limit < len(rows)
        return json_response(
            {"data": rows[start : start + limit], "next_cursor": f"{start + limit}|{since}" if more else None}
        )

    def _strict(self, handler: Callable[[Request], Response], page_param: str) -> Callable[..., Response]:
        """``handler`` refusing a filter beside a page token, as APIs whose token already holds the query."""

        def strict(request: Request) -> Response:
            if page_param in request.args and "updated_since" in request.args:
                detail = f"'updated_since' cannot be combined with '{page_param}'"
                return json_response({"detail": detail}, 400)
            return handler(request)

        return strict

    def _authenticated(self, request: Request, style: str) -> Response:
        """Widgets, one page, only for the right credential of ``style``."""
        expected = self.credentials.get(style)
        basic = request.authorization
        given = {
            "bearer": request.headers.get("Authorization"),
            "api_key_header": request.headers.get("X-API-Key"),
            "api_key_query": request.args.get("api_key"),
            "basic": f"{basic.username}:{basic.password}" if basic else None,
            "oauth": request.headers.get("Authorization"),
        }.get(style)
        if expected is None or given != expected:
            return json_response({"detail": "unauthorized"}, 401)
        return json_response(self.widgets)

    def _token(self, request: Request) -> Response:
        """OAuth2 client credentials: a token for the right client id and secret."""
        form = request.form
        if (
            form.get("grant_type") != "client_credentials"
            or f"{form.get('client_id')}:{form.get('client_secret')}" != self.credentials.get("oauth_client")
        ):
            return json_response({"error": "invalid_client"}, 401)
        return json_response({"access_token": self.issued_token, "token_type": "bearer", "expires_in": 3600})

    def _tickets(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {self.credentials.get('helpdesk')}":
            return json_response({"detail": "unauthorized"}, 401)
        body, page, pages = self._page(request, self._selected(request, self.tickets))
        return json_response({"tickets": body, "page": page, "total_pages": pages})

    def _comments(self, request: Request, ticket_id: str) -> Response:
        if request.headers.get("Authorization") != f"Bearer {self.credentials.get('helpdesk')}":
            return json_response({"detail": "unauthorized"}, 401)
        return json_response(
            [{"id": int(ticket_id) * 10 + k, "body": f"comment {k}"} for k in range(int(ticket_id) % 3)]
        )
