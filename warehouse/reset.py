"""Start the configured warehouse afresh: drop everything the pipeline wrote there and its local dlt state."""

from __future__ import annotations

import logging
import shutil

import settings
from engines import current_engine

log = logging.getLogger(__name__)


def pipeline_schemas() -> list[str]:
    """Every schema the pipeline writes: raw datasets with dlt's staging datasets, then the dbt layers."""
    from .status import raw_datasets_here

    datasets = (*raw_datasets_here(), settings.REPORTS_DATASET)
    raw = [name for dataset in datasets for name in (dataset, f"{dataset}_staging")]
    published = settings.PUBLISHED_SCHEMA
    return [
        *raw,
        "staging",
        "intermediate",
        settings.MARTS_SCHEMA,
        "snapshots",
        published,
        f"{published}__next",
        f"{published}__previous",
    ]


def reset_warehouse() -> None:
    """Drop the pipeline's data in the configured warehouse and dlt's local state.

    DuckDB: its files; Postgres: the pipeline's schemas; Spark: its metastore databases and lake datasets.
    """
    from extract_load.destination import broken_pipelines_dir, pipelines_dir

    from .status import raw_datasets_here

    engine = current_engine()
    engine.reset(pipeline_schemas(), [*raw_datasets_here(), settings.REPORTS_DATASET])
    for folder in (pipelines_dir(), broken_pipelines_dir()):
        shutil.rmtree(folder, ignore_errors=True)
    log.warning("reset: the %s warehouse holds no pipeline data any more", engine.name)
