"""The outcome of every injected fault of this session, one dict each (filled by the tests, summed at the end)."""

from __future__ import annotations

from typing import Any

FIGURES: list[dict[str, Any]] = []
