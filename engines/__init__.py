"""The warehouse engines behind one interface (``base.Engine``), chosen once by the ``WAREHOUSE`` setting."""

from __future__ import annotations

from functools import cache

import settings

from .base import Capabilities, Engine, EngineUnavailable, NothingPublished, WarehouseBusy

__all__ = [
    "Capabilities",
    "Engine",
    "EngineUnavailable",
    "NothingPublished",
    "WarehouseBusy",
    "current_engine",
    "engine_named",
]


def _engine_classes() -> dict[str, type[Engine]]:
    """Every engine by its name (imported on first use: each pulls its own drivers lazily)."""
    from .duckdb import DuckDbEngine
    from .postgres import PostgresEngine
    from .spark import SparkEngine

    return {engine.name: engine for engine in (DuckDbEngine, PostgresEngine, SparkEngine)}


@cache
def engine_named(name: str) -> Engine:
    """The engine of that name, built once; an unknown name is a clear error."""
    classes = _engine_classes()
    if name not in classes:
        raise ValueError(f"no engine named {name!r}: choose one of {', '.join(classes)}")
    return classes[name]()


def current_engine() -> Engine:
    """The engine chosen by ``WAREHOUSE`` (see ``settings``); engines read their settings when used."""
    return engine_named(settings.warehouse_name())
