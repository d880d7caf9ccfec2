"""dbt's sources YAML derived from, and checked against, the schemas dlt stored for each source.

The loader decides which tables, columns and data types exist; the YAML keeps what people write: source,
table and column descriptions and any config (freshness, meta, tests). ``render_sources`` writes the YAML a
source should have, ``check_sources`` lists where the committed YAML and dlt's schema disagree.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml

import settings
from settings import dataset_of

from .loader_schema import DLT_COLUMN_MEANINGS, LoadedColumn, LoadedTable, expected_tables, read_loaded_tables
from .runs import StepFailed

log = logging.getLogger("jaffle")

STAGING_DIR = settings.DBT_PROJECT_DIR / "models" / "staging"
# Descriptions starting with this are the generator's placeholders: rewritten on every run until replaced.
GENERATED = "(generated)"
HINT = "Run `make dbt-sources` (jaffle dbt-sources --write) to rewrite the YAML, then review the diff."
HEADER = (
    "# Tables, columns and data types follow dlt's stored schema: `make dbt-sources` rewrites them and\n"
    "# `jaffle dbt-sources` checks them. Descriptions and config written here are kept; descriptions\n"
    "# starting with (generated) are placeholders, rewritten on every run until replaced.\n"
)
# PyYAML breaks folded text at the first space past this column, so lines stay within 110 characters.
YAML_WIDTH = 100
LOADS_TABLE = "_dlt_loads"
# Only completed loads count: a load whose package failed or is still running has status != 0.
LOADS_CONFIG: dict[str, Any] = {
    "loaded_at_query": "select max(inserted_at) from {{ this }} where status = 0",
    "freshness": {
        "warn_after": {"count": 36, "period": "hour"},
        "error_after": {"count": 3, "period": "day"},
    },
}
LOADS_COMMENT = (
    "# Freshness = age of the newest completed load (status = 0): a failed or running load never counts.\n"
    "# Loads run daily: warn at 36 h (a run missed or half a day late), error at 3 days (3 runs missed).\n"
)
SOURCE_KEYS = ("name", "description", "schema", "loader", "tables")
TABLE_KEYS = ("name", "description", "config", "columns")
COLUMN_KEYS = ("name", "description", "data_type", "config")


def sources_file(source: str, staging_dir: Path = STAGING_DIR) -> Path:
    """Where a source's YAML lives: ``models/staging/<source>/_<source>__sources.yml``."""
    return staging_dir / source / f"_{source}__sources.yml"


def read_source_entry(path: Path, source: str) -> dict[str, Any] | None:
    """The entry of ``source`` under ``sources:`` in a YAML file; None when the file or entry is missing."""
    if not path.exists():
        return None
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ValueError(f"{path} is not valid YAML: {error}") from error
    return next((entry for entry in document.get("sources") or [] if entry.get("name") == source), None)


HOURS_PER_PERIOD = {"minute": 1 / 60, "hour": 1.0, "day": 24.0}


def threshold_hours(threshold: dict[str, Any] | None, where: str) -> float | None:
    """A dbt freshness threshold (``{count: 36, period: hour}``) in hours; None when not set."""
    if not threshold:
        return None
    period = threshold.get("period")
    if period not in HOURS_PER_PERIOD:
        raise ValueError(f"{where}: freshness period {period!r} is not one of {sorted(HOURS_PER_PERIOD)}")
    return float(threshold["count"]) * HOURS_PER_PERIOD[period]


def freshness_hours(source: str, staging_dir: Path = STAGING_DIR) -> tuple[float, float] | None:
    """The warn and error freshness thresholds, in hours, declared for a source's completed loads.

    Read from the sources YAML (the ``_dlt_loads`` table's config, else the source's own), so every reader
    of freshness (``dbt source freshness``, the dashboard) uses the one declaration; None when not declared.
    """
    path = sources_file(source, staging_dir)
    entry = read_source_entry(path, source)
    if entry is None:
        return None
    loads = _by_name(entry.get("tables")).get(LOADS_TABLE, {})
    freshness = (loads.get("config") or {}).get("freshness") or (entry.get("config") or {}).get("freshness")
    if not freshness:
        return None
    warn = threshold_hours(freshness.get("warn_after"), f"{path}: {source}")
    error = threshold_hours(freshness.get("error_after"), f"{path}: {source}")
    if warn is None or error is None:
        return None
    return warn, error


def declared_sources(staging_dir: Path = STAGING_DIR) -> list[str]:
    """Every source with a sources YAML under the staging folder."""
    return sorted(path.parent.name for path in staging_dir.glob("*/_*__sources.yml"))


def _kept(description: Any) -> str:
    """A hand-written description, stripped; empty for none or for a generated placeholder."""
    text = str(description or "").strip()
    return "" if text.startswith(GENERATED) else text


def _by_name(entries: Any) -> dict[str, dict[str, Any]]:
    """YAML list entries (tables, columns) by their name."""
    return {
        str(entry["name"]): entry for entry in entries or [] if isinstance(entry, dict) and "name" in entry
    }


def _table_order(name: str) -> tuple[bool, str]:
    """Data tables by name, then dlt's own tables."""
    return name.startswith("_dlt"), name


def _column_order(column: LoadedColumn) -> tuple[int, str]:
    """Key columns first, then the others, then the columns dlt adds; by name within each group."""
    return (2 if column.added_by_dlt else 0 if column.primary_key else 1), column.name


def _column_description(column: LoadedColumn) -> str:
    """The placeholder for an undocumented column: what dlt knows about it, marked as generated."""
    if column.added_by_dlt:
        meaning = DLT_COLUMN_MEANINGS.get(column.name, column.description or "a column of dlt's own")
        return f"{GENERATED} Added by dlt; {meaning.rstrip('.')}."
    if column.description:
        return f"{GENERATED} {column.description.rstrip('.')}."
    key = ", primary key" if column.primary_key else ""
    return f"{GENERATED} Loaded by dlt as {column.data_type}{key}."


class _Prose(str):
    """A description, written plain when it fits on its key's line, else folded (or literal, multi-line)."""

    room: int

    def __new__(cls, text: str, indent: int) -> _Prose:
        prose = super().__new__(cls, text)
        prose.room = YAML_WIDTH - indent - len("description: ")
        return prose


class _Flow(dict):
    """A mapping of scalars, written on one line: ``warn_after: {count: 36, period: hour}``."""


def _flow_leaves(value: Any) -> Any:
    """Config as written by hand: mappings holding only scalars go on one line."""
    if isinstance(value, list):
        return [_flow_leaves(item) for item in value]
    if not isinstance(value, dict):
        return value
    inner = {key: _flow_leaves(item) for key, item in value.items()}
    return _Flow(inner) if all(not isinstance(item, dict | list) for item in inner.values()) else inner


def _extras(entry: dict[str, Any], known: tuple[str, ...]) -> dict[str, Any]:
    """Keys people added that the generator does not manage (tests, meta, identifier...), kept as is."""
    return {key: _flow_leaves(value) for key, value in entry.items() if key not in known}


def _column_entry(column: LoadedColumn, listed: dict[str, Any]) -> dict[str, Any]:
    """One column: kept description and config, dlt's data type, dlt's own columns marked in meta."""
    entry: dict[str, Any] = {
        "name": column.name,
        "description": _Prose(_kept(listed.get("description")) or _column_description(column), 12),
        "data_type": column.data_type,
    }
    config = dict(listed.get("config") or {})
    if column.added_by_dlt:
        config["meta"] = {**(config.get("meta") or {}), "added_by": "dlt"}
    if config:
        entry["config"] = _flow_leaves(config)
    return {**entry, **_extras(listed, COLUMN_KEYS)}


def _table_entry(table: LoadedTable, listed: dict[str, Any]) -> dict[str, Any]:
    """One table: kept description, config and extras; the columns of dlt's schema."""
    generated = (
        f"{GENERATED} {table.description.rstrip('.')}."
        if table.description
        else f"{GENERATED} Loaded by dlt."
    )
    description = _Prose(_kept(listed.get("description")) or generated, 8)
    entry: dict[str, Any] = {"name": table.name, "description": description}
    config = listed.get("config") or (dict(LOADS_CONFIG) if table.name == LOADS_TABLE else None)
    if config:
        entry["config"] = _flow_leaves(config)
    entry.update(_extras(listed, TABLE_KEYS))
    columns = _by_name(listed.get("columns"))
    ordered = sorted(table.columns.values(), key=_column_order)
    entry["columns"] = [_column_entry(column, columns.get(column.name, {})) for column in ordered]
    return entry


def source_entry(
    source: str, loaded: dict[str, LoadedTable], existing: dict[str, Any] | None
) -> dict[str, Any]:
    """The ``sources:`` entry a source should have, as data."""
    existing = existing or {}
    listed = _by_name(existing.get("tables"))
    tables = expected_tables(loaded, listed)
    entry: dict[str, Any] = {
        "name": source,
        "description": _Prose(_kept(existing.get("description")) or f"{GENERATED} Loaded by dlt.", 4),
        "schema": dataset_of(source),
        "loader": "dlt",
        **_extras(existing, SOURCE_KEYS),
    }
    entry["tables"] = [
        _table_entry(tables[name], listed.get(name, {})) for name in sorted(tables, key=_table_order)
    ]
    return entry


class _Dumper(yaml.SafeDumper):
    """Indents lists under their key (dbt's style) and folds long descriptions."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        """Never indentless: ``tables:`` items are indented under the key."""
        return super().increase_indent(flow, False)


def _represent_prose(dumper: yaml.SafeDumper, text: _Prose) -> yaml.ScalarNode:
    """Multi-line text as a literal block, text too long for its line folded, the rest plain."""
    style = "|" if "\n" in text else ">" if len(text) > text.room else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(text), style=style)


_Dumper.add_representer(_Prose, _represent_prose)
_Dumper.add_representer(
    _Flow, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data, True)
)


def _with_loads_comment(text: str) -> str:
    """The freshness rationale above the config of ``_dlt_loads`` when that config is the default one."""
    lines = text.splitlines(keepends=True)
    start = next(index for index, line in enumerate(lines) if line.strip() == f"- name: {LOADS_TABLE}")
    indent = " " * (len(lines[start]) - len(lines[start].lstrip()) + 2)
    position = lines.index(f"{indent}config:\n", start)
    lines.insert(position, "".join(indent + line for line in LOADS_COMMENT.splitlines(keepends=True)))
    return "".join(lines)


def render_sources(source: str, loaded: dict[str, LoadedTable], existing: dict[str, Any] | None) -> str:
    """The whole YAML file of a source: stable (sorted, no churn on re-run) and valid for dbt."""
    entry = source_entry(source, loaded, existing)
    body = yaml.dump(
        {"sources": [entry]}, Dumper=_Dumper, sort_keys=False, width=YAML_WIDTH, allow_unicode=True
    )
    loads = next((table for table in entry["tables"] if table["name"] == LOADS_TABLE), {})
    if loads.get("config") == LOADS_CONFIG:
        body = _with_loads_comment(body)
    return HEADER + body


def _column_differences(where: str, loaded: LoadedTable, listed: dict[str, Any]) -> list[str]:
    """Columns loaded but not listed, listed but not loaded, and data types that disagree."""
    columns = _by_name(listed.get("columns"))
    found = [
        f"{where}.{name}: column loaded by dlt ({loaded.columns[name].data_type}), missing from the YAML"
        for name in sorted(set(loaded.columns) - set(columns))
    ]
    found += [
        f"{where}.{name}: column in the YAML, not loaded by dlt"
        for name in sorted(set(columns) - set(loaded.columns))
    ]
    for name in sorted(set(columns) & set(loaded.columns)):
        written, actual = columns[name].get("data_type"), loaded.columns[name].data_type
        if written != actual:
            found.append(
                f"{where}.{name}: data_type {written or 'missing'} in the YAML, {actual} in dlt's schema"
            )
    return found


def check_sources(source: str, loaded: dict[str, LoadedTable], existing: dict[str, Any] | None) -> list[str]:
    """Where a source's YAML entry and dlt's schema disagree: one line per source, table or column."""
    if existing is None:
        return [f"{source}: no sources YAML (models/staging/{source}/_{source}__sources.yml)"]
    found = []
    if existing.get("schema", source) != dataset_of(source):
        found.append(
            f"{source}: schema {existing.get('schema', source)} in the YAML, dlt loads {dataset_of(source)}"
        )
    listed = _by_name(existing.get("tables"))
    tables = expected_tables(loaded, listed)
    found += [
        f"{source}.{name}: table loaded by dlt, missing from the YAML"
        for name in sorted(set(tables) - set(listed))
    ]
    found += [
        f"{source}.{name}: table in the YAML, not loaded by dlt" for name in sorted(set(listed) - set(tables))
    ]
    for name in sorted(set(tables) & set(listed)):
        found += _column_differences(f"{source}.{name}", tables[name], listed[name])
    return found


def sync_sources(
    sources: list[str] | None = None, write: bool = False, staging_dir: Path = STAGING_DIR
) -> list[str]:
    """The differences between each source's YAML and dlt's stored schema; ``write`` rewrites the YAML."""
    sources = sources or settings.extract_load_sources()
    differences = []
    for source, loaded in read_loaded_tables(sources).items():
        path = sources_file(source, staging_dir)
        existing = read_source_entry(path, source)
        differences += check_sources(source, loaded, existing)
        if write:
            text = render_sources(source, loaded, existing)
            changed = not path.exists() or path.read_text() != text
            if changed:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
            log.info("dbt-sources: %s %s", "wrote" if changed else "unchanged", path)
    return differences


def run_dbt_sources(sources: list[str] | None, write: bool, staging_dir: str | None = None) -> None:
    """``jaffle dbt-sources``: fail listing the differences, or with ``write`` rewrite the YAML files."""
    differences = sync_sources(sources, write, Path(staging_dir) if staging_dir else STAGING_DIR)
    if differences and not write:
        listed = "\n".join(f"  {line}" for line in differences)
        raise StepFailed(f"dbt's sources YAML differs from dlt's stored schemas:\n{listed}\n{HINT}")
    verdict = (
        f"{len(differences)} differences rewritten" if write else "the sources YAML matches dlt's schemas"
    )
    log.info("dbt-sources: %s", verdict)
