"""One prepared engine at a time for a fault module: its data set and clean reference runs, kept across tests.

pytest would set a module-scoped fixture parametrized indirectly up again for every parameter set (each fault
is one), repeating the reference runs for every fault; this keeps one per engine (the tests are ordered by
engine, see conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack

import pytest

Prepare = Callable[[str, pytest.TempPathFactory], AbstractContextManager[dict]]


class PreparedEngines:
    """The engine the running tests use, prepared once and kept until a test asks for the other engine."""

    def __init__(self, prepare: Prepare, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._prepare = prepare
        self._tmp_path_factory = tmp_path_factory
        self._stack = ExitStack()
        self._current: dict | None = None

    def get(self, name: str) -> dict:
        """The prepared engine of that name (the other one is closed first)."""
        if self._current is None or self._current["name"] != name:
            self.close()
            self._current = self._stack.enter_context(self._prepare(name, self._tmp_path_factory))
        return self._current

    def close(self) -> None:
        """Close the prepared engine, if any."""
        self._current = None
        self._stack.close()
