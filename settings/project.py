"""The project's settings: read once from ``.dlt/config.toml`` and the environment into one immutable object.

The settings live beside dlt's own in ``.dlt/config.toml`` (each default stated there, once) and are overridden
from the environment by dlt's naming, ``SECTION__KEY``: ``PROJECT__DATA_DIR=/tmp/run``, ``SPARK__MASTER=...``;
the engine is the top-level ``warehouse`` (``WAREHOUSE=postgres``). dlt's own names stay dlt's:
``DESTINATION__DUCKDB__CREDENTIALS`` is the DuckDB file, ``DESTINATION__POSTGRES__CREDENTIALS__*`` the server.

``current()`` reads them once and hands out the same object until the environment changes (which only tests
do); nothing below the command line reads the environment for a project setting.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WAREHOUSES = ("duckdb", "postgres", "spark")
ROLE_KINDS = ("loader", "transformer", "reader")
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# The environment variables of earlier versions, by the setting that replaced each: set, they are an error
# rather than silently ignored.
RETIRED_VARIABLES = {
    "JAFFLE_DATA_DIR": "PROJECT__DATA_DIR",
    "JAFFLE_EVENT_LOGS": "PROJECT__EVENT_LOGS_DIR",
    "JAFFLE_DUCKDB_MEMORY_LIMIT": "DUCKDB__MEMORY_LIMIT",
    "JAFFLE_PG_ROLES": "POSTGRES__ROLES",
    "JAFFLE_PG_LOADER_ROLE": "POSTGRES__LOADER_ROLE",
    "JAFFLE_PG_TRANSFORMER_ROLE": "POSTGRES__TRANSFORMER_ROLE",
    "JAFFLE_PG_READER_ROLE": "POSTGRES__READER_ROLE",
    "JAFFLE_LAKE_URL": "SPARK__LAKE_URL",
    "JAFFLE_SPARK_JARS": "SPARK__JARS",
    "JAFFLE_LEASE_SECONDS": "ORCHESTRATION__LEASE_SECONDS",
    "JAFFLE_DEMO_OLTP_URL": "DEMO__OLTP_URL",
    "JAFFLE_SCALE": "DEMO__SCALE",
    "JAFFLE_SEED": "DEMO__SEED",
    "JAFFLE_API": "ORCHESTRATION__API",
    "JAFFLE_EL_RETRIES": "ORCHESTRATION__EL_RETRIES",
    "JAFFLE_EL_RETRY_DELAY": "ORCHESTRATION__EL_RETRY_DELAY",
    "JAFFLE_SPARK_MASTER": "SPARK__MASTER",
    "JAFFLE_SPARK_DRIVER_HOST": "SPARK__DRIVER_HOST",
    "JAFFLE_SPARK_SHUFFLE_PARTITIONS": "SPARK__SHUFFLE_PARTITIONS",
    "JAFFLE_ROW_DROP_PERCENT": "EXPECTATIONS__ROW_DROP_PERCENT",
    "JAFFLE_ROW_SPIKE_FACTOR": "EXPECTATIONS__ROW_SPIKE_FACTOR",
    "JAFFLE_ROW_SPIKE_MIN_ROWS": "EXPECTATIONS__ROW_SPIKE_MIN_ROWS",
    "JAFFLE_ROW_HISTORY_RUNS": "EXPECTATIONS__ROW_HISTORY_RUNS",
}


class SettingsError(ValueError):
    """A setting is missing or invalid: the message names it and says what to set."""


@dataclass(frozen=True)
class SparkSettings:
    """The Spark target's session and lake (``[spark]``)."""

    master: str
    driver_host: str
    lake_url: str
    shuffle_partitions: int
    jars: tuple[str, ...]


@dataclass(frozen=True)
class RowCountDrift:
    """The gates' row-count drift thresholds (``[expectations]``, expectations/row_count_drift.py)."""

    drop_percent: float
    spike_factor: float
    spike_min_rows: float
    history_runs: int


@dataclass(frozen=True)
class Orchestration:
    """The Airflow DAG's run (``[orchestration]``): the API it loads, extract-load retries, the run lease."""

    api: str
    el_retries: int
    el_retry_delay: float
    lease_seconds: float


@dataclass(frozen=True)
class Settings:
    """Every project setting, resolved: paths absolute, names checked, defaults applied."""

    warehouse: str
    data_dir: Path
    event_logs_dir: Path
    duckdb_path: Path
    duckdb_memory_limit: str
    sources: tuple[str, ...]
    postgres_roles: bool
    postgres_role_names: Mapping[str, str]
    demo_oltp_url: str | None
    demo_scale: float
    demo_seed: int
    spark: SparkSettings
    orchestration: Orchestration
    row_count_drift: RowCountDrift


def _value(key: str) -> Any:
    """One key as dlt resolves it: environment, then .dlt/secrets.toml, then .dlt/config.toml."""
    import dlt

    value = dlt.secrets.get(key)
    return dlt.config.get(key) if value is None else value


def _variable(key: str) -> str:
    """The environment variable of a key, by dlt's naming."""
    return key.upper().replace(".", "__")


def _required(key: str) -> Any:
    value = _value(key)
    if value is None:
        raise SettingsError(f"setting {key} is missing: set it in .dlt/config.toml or as {_variable(key)}")
    return value


def _text(key: str) -> str:
    return str(_required(key)).strip()


def _number(
    key: str, kind: type[int] | type[float], minimum: float = 0, inclusive: bool = False
) -> int | float:
    raw = _required(key)
    try:
        number = kind(raw)
    except (TypeError, ValueError):
        raise SettingsError(f"setting {key} ({_variable(key)}) = {raw!r} is not a number") from None
    if number < minimum or (number == minimum and not inclusive):
        bound = f"at least {minimum:g}" if inclusive else f"above {minimum:g}"
        raise SettingsError(f"setting {key} ({_variable(key)}) = {raw!r} must be {bound}")
    return number


def _flag(key: str) -> bool:
    raw = _required(key)
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "on", "1", "yes"):
        return True
    if text in ("false", "off", "0", "no"):
        return False
    raise SettingsError(f"setting {key} ({_variable(key)}) = {raw!r} is not true or false")


def _names(key: str) -> tuple[str, ...]:
    raw = _required(key)
    if isinstance(raw, str):
        raw = [part.strip().strip("'\"") for part in raw.strip().strip("[]").split(",")]
    return tuple(str(part) for part in raw if str(part))


def _path(raw: str) -> Path:
    """A configured path: relative ones are relative to the project, whatever the working directory."""
    return (PROJECT_ROOT / Path(raw).expanduser()).resolve()


def _warehouse() -> str:
    name = _text("warehouse").lower()
    if name not in WAREHOUSES:
        raise SettingsError(f"WAREHOUSE={name!r} is not supported: choose one of {', '.join(WAREHOUSES)}")
    return name


def _role_names() -> Mapping[str, str]:
    names = {}
    for kind in ROLE_KINDS:
        name = _text(f"postgres.{kind}_role")
        if not ROLE_NAME.match(name):
            raise SettingsError(
                f"setting postgres.{kind}_role (POSTGRES__{kind.upper()}_ROLE) = {name!r} is not a plain lower-case"
                " role name"
            )
        names[kind] = name
    return MappingProxyType(names)


def _check_retired() -> None:
    for old, new in RETIRED_VARIABLES.items():
        if old in os.environ:
            raise SettingsError(
                f"{old} is no longer read: set {new} instead (dlt's naming, .dlt/config.toml)"
            )


def load() -> Settings:
    """Read every setting now (``current()`` keeps the result)."""
    _check_retired()
    data_dir = _path(_text("project.data_dir"))
    event_logs = _text("project.event_logs_dir")
    duckdb_file = str(_value("destination.duckdb.credentials") or "").strip().removeprefix("duckdb:///")
    lake_url = _text("spark.lake_url").rstrip("/")
    demo_oltp_url = _text("demo.oltp_url")
    return Settings(
        warehouse=_warehouse(),
        data_dir=data_dir,
        event_logs_dir=_path(event_logs) if event_logs else data_dir / "logs" / "events",
        duckdb_path=_path(duckdb_file) if duckdb_file else data_dir / "warehouse.duckdb",
        duckdb_memory_limit=_text("duckdb.memory_limit"),
        sources=_names("extract_load.sources"),
        postgres_roles=_flag("postgres.roles"),
        postgres_role_names=_role_names(),
        demo_oltp_url=demo_oltp_url or None,
        demo_scale=float(_number("demo.scale", float)),
        demo_seed=int(_number("demo.seed", int, inclusive=True)),
        spark=SparkSettings(
            master=_text("spark.master"),
            driver_host=_text("spark.driver_host"),
            lake_url=lake_url
            if "://" in lake_url
            else str(_path(lake_url) if lake_url else data_dir / "lake"),
            shuffle_partitions=int(_number("spark.shuffle_partitions", int)),
            jars=_names("spark.jars"),
        ),
        orchestration=Orchestration(
            api=_text("orchestration.api"),
            el_retries=int(_number("orchestration.el_retries", int, inclusive=True)),
            el_retry_delay=float(_number("orchestration.el_retry_delay", float, inclusive=True)),
            lease_seconds=float(_number("orchestration.lease_seconds", float)),
        ),
        row_count_drift=RowCountDrift(
            drop_percent=float(_number("expectations.row_drop_percent", float)),
            spike_factor=float(_number("expectations.row_spike_factor", float)),
            spike_min_rows=float(_number("expectations.row_spike_min_rows", float)),
            history_runs=int(_number("expectations.row_history_runs", int)),
        ),
    )


_loaded: tuple[tuple[tuple[str, str], ...], Settings] | None = None


def current() -> Settings:
    """The settings, read on first use and kept; read again only when the environment changed since."""
    global _loaded
    environment = tuple(sorted(os.environ.items()))
    if _loaded is None or _loaded[0] != environment:
        _loaded = (environment, load())
    return _loaded[1]
