"""dlt's state belongs to the warehouse it was loaded into: a run starts from that warehouse's own state.

dlt keeps a pipeline's cursors twice: in its local working folder and, with every load, in the destination's
``_dlt_pipeline_state`` table. ``pipeline.run`` reconciles the two first (``sync_destination``); the separate
``extract``/``normalize``/``load`` calls this project makes (it reconciles rows between normalize and load) do
not. Without that, local cursors outlive the warehouse they describe: a DuckDB file replaced, a Postgres
database dropped, or a warehouse restored from an older backup would get only the rows after the old cursor,
and the run would say ok.

Before each extract (after crash recovery, so nothing is pending), :func:`state_of_destination` therefore:

1. calls dlt's ``sync_destination``: a newer state in the warehouse replaces the local one, and a working
   folder whose dataset is gone from the warehouse is wiped;
2. checks what dlt leaves alone: a local state that the warehouse does not hold (its dataset exists but has
   no state of this pipeline, or an older one). The working folder is then dropped and the pipeline starts
   from the warehouse's own state, or from nothing, so every row the warehouse lacks is loaded again.

Working folders are also kept per warehouse (see ``destination.pipelines_dir``), so two warehouses never
share one; this check covers the same warehouse changing under the pipeline.
"""

from __future__ import annotations

import logging
from typing import Any

import dlt
from dlt.common.destination.client import WithStateSync
from dlt.common.destination.exceptions import DestinationUndefinedEntity
from dlt.pipeline.state_sync import load_pipeline_state_from_destination

log = logging.getLogger("jaffle")


def _stored_state(pipeline: dlt.Pipeline) -> dict[str, Any] | None:
    """The pipeline's newest state in the warehouse, or None when the warehouse holds none."""
    with pipeline.destination_client() as client:
        if not isinstance(client, WithStateSync):
            return None
        try:
            return load_pipeline_state_from_destination(pipeline.pipeline_name, client)
        except DestinationUndefinedEntity:  # no dataset or no state table yet
            return None


def _has_loaded(state: dict[str, Any]) -> bool:
    """Whether a local state records anything loaded: a version past the initial one."""
    return int(state.get("_state_version", 0)) > 0


def state_of_destination(pipeline: dlt.Pipeline, where: str) -> dlt.Pipeline:
    """The pipeline with the state its warehouse holds (``where`` names the warehouse in the warning)."""
    pipeline.sync_destination()
    local = pipeline.state
    if not _has_loaded(local):
        return pipeline
    stored = _stored_state(pipeline)
    if stored is not None and stored["_version_hash"] == local["_version_hash"]:
        return pipeline
    log.warning(
        "%s: the warehouse %s does not hold the state kept locally (%s); dropping the local state so "
        "every row the warehouse lacks is loaded again",
        pipeline.pipeline_name,
        where,
        "no state stored there"
        if stored is None
        else f"stored version {stored['_state_version']}, local version {local['_state_version']}",
    )
    pipeline = pipeline.drop()
    pipeline.sync_destination()
    return pipeline
