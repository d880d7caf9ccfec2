"""Query parameters sent with the first request of a resource only, such as an incremental filter.

dlt's rest_api writes an incremental's ``start_param`` into the request's params, and every paginator that
edits params (cursor, keyset, page number) sends them again with each page. Some APIs refuse a filter beside
a cursor: the cursor already holds the query. ``first_request_only: true`` in an incremental wraps the
endpoint's paginator so that the filter goes with the first request and is dropped from the later ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import Request, Response


class FirstRequestOnly(BasePaginator):
    """A paginator that pages like ``paginator`` but leaves ``params`` out of every request after the first."""

    def __init__(self, paginator: BasePaginator, params: Sequence[str]) -> None:
        super().__init__()
        self.paginator = paginator
        self.params = tuple(params)

    @property
    def has_next_page(self) -> bool:
        """Whether the wrapped paginator has another page."""
        return self.paginator.has_next_page

    def init_request(self, request: Request) -> None:
        """Set up the first request as the wrapped paginator does (the filter stays on it)."""
        self.paginator.init_request(request)

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        """Let the wrapped paginator read the page."""
        self.paginator.update_state(response, data)

    def update_request(self, request: Request) -> None:
        """Ask for the next page as the wrapped paginator does, without the first-request-only params.

        The params dict is replaced, not edited: it may be the endpoint's own, which rest_api fills again for
        the next run.
        """
        self.paginator.update_request(request)
        if request.params:
            request.params = {key: value for key, value in request.params.items() if key not in self.params}

    def __str__(self) -> str:
        return f"{self.paginator} ({', '.join(self.params)} on the first request only)"
