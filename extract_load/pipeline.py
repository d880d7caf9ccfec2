"""Run the extract-load step: every source into its raw dataset, with a per-table summary."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import dlt
from dlt.common.pipeline import LoadInfo

from .destination import LOADER_FILE_FORMAT, dlt_destination, pipelines_dir
from .sources.jaffle_api import jaffle_api_source
from .sources.jaffle_api.settings import DATASET_NAME as API_DATASET
from .sources.jaffle_files import jaffle_files_source
from .sources.jaffle_files.settings import DATASET_NAME as FILES_DATASET

log = logging.getLogger(__name__)


@dataclass
class SourceLoad:
    """What one source's pipeline run did: load ids, new rows per table and seconds per step."""

    source: str
    dataset: str
    load_ids: list[str]
    rows: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy."""
        return asdict(self)


def _pipeline(name: str, dataset: str) -> dlt.Pipeline:
    """A named pipeline whose state is kept per warehouse, so switching engines never shares cursors."""
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt_destination(),
        dataset_name=dataset,
        pipelines_dir=str(pipelines_dir()),
        progress="log" if log.isEnabledFor(logging.INFO) else None,
    )


def _run(name: str, dataset: str, source: Any) -> SourceLoad:
    """Extract, normalize and load one source, timing each step and counting rows per table."""
    pipeline = _pipeline(name, dataset)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    pipeline.extract(source, loader_file_format=LOADER_FILE_FORMAT)
    seconds["extract"] = time.perf_counter() - started
    started = time.perf_counter()
    normalize_info = pipeline.normalize()
    seconds["normalize"] = time.perf_counter() - started
    started = time.perf_counter()
    load_info: LoadInfo = pipeline.load()
    seconds["load"] = time.perf_counter() - started
    load_info.raise_on_failed_jobs()
    rows = {
        table: count for table, count in normalize_info.row_counts.items() if not table.startswith("_dlt")
    }
    result = SourceLoad(name, dataset, list(load_info.loads_ids), rows, seconds)
    log.info("%s: %s rows into %s in %.1fs", name, sum(rows.values()), dataset, sum(seconds.values()))
    return result


def load_jaffle_api(base_url: str | None = None) -> SourceLoad:
    """Load the Jaffle Shop API (the configured base URL unless one is given) into ``raw_jaffle_api``."""
    source = jaffle_api_source(base_url=base_url) if base_url else jaffle_api_source()
    return _run("jaffle_api", API_DATASET, source)


def load_jaffle_files(bucket_url: str | None = None) -> SourceLoad:
    """Load the landing folder (the configured bucket URL unless one is given) into ``raw_jaffle_files``."""
    source = jaffle_files_source(bucket_url=bucket_url) if bucket_url else jaffle_files_source()
    return _run("jaffle_files", FILES_DATASET, source)
