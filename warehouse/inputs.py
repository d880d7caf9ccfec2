"""What a run's marts are built from, as one digest: the run is a no-op when the published data has the same.

The inputs are everything that decides the published bytes: the content of every raw table, the rows of
completed loads only (dlt's ``_dlt_loads``, status 0: rows of other loads never reach the marts), the demo
event-log files the log models read, the dbt project, the gates' suites, the locked tool versions, the settings and the warehouse itself. A run
records the digest with what it publishes (``published.publication.inputs``); the next run computes it again
after extract-load and, when the published data carries the same digest, skips the gates, dbt and publish:
building them again would give the same bytes. The digest is read from the readers' side of the warehouse, so
an emptied, replaced or never-published warehouse always gets a full run.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import settings
from engines import current_engine

log = logging.getLogger(__name__)

# The files whose change can change a mart or a gate's verdict (paths relative to the project).
CODE_FILES = (
    "dbt_project/dbt_project.yml",
    "dbt_project/profiles.yml",
    "dbt_project/models/**/*",
    "dbt_project/macros/**/*",
    "dbt_project/snapshots/**/*",
    "dbt_project/seeds/**/*",
    "dbt_project/tests/**/*",
    "expectations/**/*.py",
    "expectations/**/*.json",
    "requirements.lock",
    "pyproject.toml",
)


def _files(patterns: Iterable[str], root: Path) -> list[Path]:
    found = {path for pattern in patterns for path in root.glob(pattern) if path.is_file()}
    return sorted(path for path in found if "__pycache__" not in path.parts)


def code_digest(root: Path = settings.PROJECT_ROOT) -> str:
    """SHA-256 over the project files that shape the marts and the gates (names and contents)."""
    digest = hashlib.sha256()
    for path in _files(CODE_FILES, root):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _raw_content(
    engine: Any, connection: Any, datasets: Mapping[str, Mapping[str, list[str]]]
) -> dict[str, dict[str, list]]:
    """Per raw table of each loaded dataset (with its tables' declared keys): the rows staging admits, counted
    and their hashes summed.

    dlt's own columns are left out: a row delivered again unchanged (a merge key's latest version, a table
    replaced whole, a lookback window) gets a new load id and ``_dlt_id`` but builds the same marts. Where dlt
    merges by key, the rows of completed loads are the input; on a lake that only appends, a keyed table's
    input is the latest completed version of each key, as staging's ``latest_completed_rows`` reads it.
    """
    content: dict[str, dict[str, list]] = {}
    for dataset, keys in sorted(datasets.items()):
        tables = engine.schema_tables(connection, dataset)
        if "_dlt_loads" not in tables:
            continue
        completed = f"select load_id from {engine.quote(dataset, '_dlt_loads')} where status = 0"
        content[dataset] = {}
        for table in (name for name in tables if not name.startswith("_dlt_")):
            columns = engine.table_columns(connection, dataset, table)
            values = [engine.quote(column) for column in columns if not column.startswith("_dlt_")]
            if not values:
                continue
            rows = engine.quote(dataset, table)
            if "_dlt_load_id" in columns:
                rows = f"(select * from {rows} where {engine.quote('_dlt_load_id')} in ({completed})) as completed"
                key = keys.get(table)
                if key and not engine.capabilities.merges_by_key:
                    rank = (
                        f"row_number() over (partition by {', '.join(engine.quote(k) for k in key)}"
                        f" order by {engine.quote('_dlt_load_id')} desc, {engine.quote('_dlt_id')} asc)"
                    )
                    rows = f"(select * from (select *, {rank} as digest_rank from {rows}) as ranked"
                    rows += " where digest_rank = 1) as latest"
            ((count, total),) = engine.fetch_all(
                connection, f"select count(*), coalesce(sum({engine.row_hash(values)}), 0) from {rows}"
            )
            content[dataset][table] = [int(count), str(total)]
    return content


def _event_log_files() -> list[tuple[str, int, int]]:
    """The demo event-log files the log models read: name, size and modification time."""
    folder = settings.event_logs_dir()
    if not folder.is_dir():
        return []
    return [
        (str(path.relative_to(folder)), path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]


def _datasets() -> dict[str, dict[str, list[str]]]:
    """The raw dataset of every declared or configured source, with its tables' declared keys."""
    from extract_load.registry import declared_keys, discover

    names = sorted(set(settings.extract_load_sources()) | set(discover()))
    return {settings.dataset_of(name): declared_keys(name) for name in names}


def run_inputs() -> str:
    """The digest of this run's inputs (read after extract-load, before anything is built)."""
    engine = current_engine()
    with engine.connect(read_only=True) as connection:
        raw = _raw_content(engine, connection, _datasets())
    described = {
        "warehouse": engine.name,
        "destination": engine.destination_identity(),
        "raw": raw,
        "event_logs": _event_log_files(),
        "code": code_digest(),
        "settings": repr(settings.current()),
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True, default=str).encode()).hexdigest()


def published_inputs() -> tuple[str, str] | None:
    """The run id and input digest of the published data, as its readers see it; None when there is none to
    trust (nothing published, a publication without a digest, or the readers' copy cannot be read)."""
    engine = current_engine()
    try:
        with engine.published_reader() as reader:
            if "publication" not in engine.schema_tables(reader, engine.published_schema):
                return None
            rows = engine.fetch_all(
                reader, f"select run_id, inputs from {engine.quote(engine.published_schema, 'publication')}"
            )
    except Exception as error:  # not provably unchanged: the run does everything
        log.info("no published input digest to compare with (%s): every step runs", type(error).__name__)
        return None
    if len(rows) != 1 or not rows[0][1]:
        return None
    return str(rows[0][0]), str(rows[0][1])
