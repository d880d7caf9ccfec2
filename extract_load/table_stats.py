"""Per-table timings of one extract-load, read from the metrics dlt records in each step.

A table's seconds are the time its own data took in each step: from its first to its last item written in
extract and normalize, plus the duration of its load jobs. Steps run tables side by side, so the seconds of
the tables of one source do not add up to the source's wall time.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def _writer_spans(step_info: Any) -> dict[str, float]:
    """Seconds between the first and last item written per table, over every package of a step."""
    spans: dict[str, float] = defaultdict(float)
    for package_metrics in step_info.metrics.values():
        for metrics in package_metrics:
            for table, writer in metrics.get("table_metrics", {}).items():
                spans[table] += max(0.0, writer.last_modified - writer.created)
    return spans


def _load_job_spans(load_info: Any) -> dict[str, float]:
    """Seconds the load jobs of each table took (a table may have several files and follow-up jobs)."""
    spans: dict[str, float] = defaultdict(float)
    for package_metrics in load_info.metrics.values():
        for metrics in package_metrics:
            for job in metrics.get("job_metrics", {}).values():
                if job.started_at and job.finished_at:
                    spans[job.table_name] += (job.finished_at - job.started_at).total_seconds()
    return spans


def table_seconds(extract_info: Any, normalize_info: Any, load_info: Any) -> dict[str, float]:
    """Seconds per table: extract span + normalize span + load jobs, dlt's own tables left out."""
    total: dict[str, float] = defaultdict(float)
    for spans in (_writer_spans(extract_info), _writer_spans(normalize_info), _load_job_spans(load_info)):
        for table, seconds in spans.items():
            if not table.startswith("_dlt"):
                total[table] += seconds
    return dict(total)
