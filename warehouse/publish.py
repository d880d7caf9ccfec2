"""Publish the audited marts into the schema readers query, all at once or not at all.

How depends on the engine (``engines``): on DuckDB the published tables are replaced in one transaction and
copied to a snapshot file for readers; on Postgres the next version is built aside and swapped in; on Spark,
immutable versions of the marts and views over them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from engines import current_engine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Publication:
    """What a publish made visible: the run, the time, and the rows of every table."""

    run_id: str
    published_at: str
    row_counts: dict[str, int]


def publish(run_id: str, inputs: str = "") -> Publication:
    """Make the audited marts the published data, with the digest of the ``inputs`` they were built from (see
    warehouse/inputs.py; empty: not known, so no later run is skipped on its account). Call only after the marts gate
    passed."""
    published_at, counts = current_engine().publish(run_id, inputs)
    log.info("published %d tables from run %s", len(counts), run_id)
    return Publication(run_id, published_at, counts)
