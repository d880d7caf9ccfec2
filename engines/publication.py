"""What every publish shares: the publication record's table and the time a publish records."""

from __future__ import annotations

from datetime import UTC, datetime

PUBLICATION_TABLE = "publication"
# Run history copied into the readers' snapshot (schema pipeline_runs) at each publish.
HISTORY_TABLES = ("table_loads", "check_results")


def utc_now() -> str:
    """The time recorded with a publish, UTC to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
