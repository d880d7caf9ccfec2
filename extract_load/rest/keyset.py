"""Keyset pagination (``?after_id=<last id of the previous page>``), which dlt has no paginator for."""

from __future__ import annotations

from typing import Any

from dlt.common import jsonpath
from dlt.sources.helpers.rest_client.paginators import BasePaginator
from dlt.sources.helpers.rest_client.redaction import sanitize_url
from requests import Request, Response


class KeysetPaginator(BasePaginator):
    """Asks for the rows after the last key seen; stops on an empty page or one shorter than ``page_size``.

    Rows must come sorted by the key. In a declaration: ``paginator: {type: keyset, param: after_id, key: id}``.
    """

    def __init__(
        self,
        param: str = "after_id",
        key: str = "id",
        page_size: int | None = None,
        initial_value: Any = None,
    ) -> None:
        super().__init__()
        self.param = param
        self.key = key
        self.key_path = jsonpath.compile_path(key)
        self.page_size = page_size
        self.initial_value = initial_value
        self.last_key: Any = None

    def init_request(self, request: Request) -> None:
        """Start from ``initial_value`` (or from the first row when it is unset)."""
        self._has_next_page = True
        self.last_key = self.initial_value
        if self.initial_value is not None:
            self.update_request(request)

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        """Remember the key of the page's last row; an empty or short page is the last one."""
        if not data or (self.page_size and len(data) < self.page_size):
            self._has_next_page = False
            return
        values = jsonpath.find_values(self.key_path, data[-1])
        if not values or values[0] is None:
            raise ValueError(
                f"keyset paginator: the last row of the page from {sanitize_url(response.url)} "
                f"has no key {self.key!r}"
            )
        if values[0] == self.last_key:
            raise ValueError(
                f"keyset paginator: key {self.key!r} did not advance past {values[0]!r} at "
                f"{sanitize_url(response.url)}; stopping instead of reading the same page forever"
            )
        self.last_key = values[0]

    def update_request(self, request: Request) -> None:
        """Ask for the rows after the last key."""
        if request.params is None:
            request.params = {}
        request.params[self.param] = self.last_key

    def __str__(self) -> str:
        return f"{super().__str__()}: {self.param}=<last {self.key}>"
