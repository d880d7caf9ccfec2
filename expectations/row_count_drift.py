"""Row counts checked against recent passing gate runs: a sudden drop blocks, a sudden spike warns.

The baseline is what the same suite counted on the same table (the ``observed_value`` of its
``expect_table_row_count_to_be_between``) in the last ``row_history_runs`` (5) gate runs whose gate verdict was
``passed``, read from ``pipeline_runs.check_results`` through the gate's target (by SQL, or the Spark table
of that name on Spark). A run the gate rejected is never a baseline. Without history (first run, or the
table or schema not created yet) the check is skipped with a note.

Thresholds (``[expectations]`` in .dlt/config.toml, defaults there):

- **drop, critical (blocks)**: the count fell more than ``row_drop_percent`` (10 %) below the previous passing
  run. Raw tables are merged or appended and never shrink; marts shrink only
  when the source deletes, which is rare and small. A larger fall means a partial load, a broken join or a
  truncated table. Judged against the previous run: each run is compared with what was last accepted.
- **spike, warning (reported, not blocking)**: the count is above ``row_spike_factor`` (3) x the median of the
  recent counts and above it by more than ``row_spike_min_rows`` (1,000) rows. Growth is often legitimate (a backfill, a new store), so it only warns;
  the median ignores one odd run; the floor keeps small tables (demo dimensions of a few rows) quiet.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

import settings

from .history import CHECK_RESULTS, HISTORY_DATASET

ROW_COUNT_EXPECTATION = "expect_table_row_count_to_be_between"

_RESULTS = sa.table(
    CHECK_RESULTS,
    *(sa.column(name) for name in ("run_id", "suite", "table_name", "kind", "expectation", "observed")),
    sa.column("gate_verdict"),
    sa.column("evaluated_at"),
    schema=HISTORY_DATASET,
)


@dataclass(frozen=True)
class Baseline:
    """The row count one earlier passing gate run observed."""

    run_id: str
    row_count: int


@dataclass
class Drift:
    """The outcome of the drift check: a blocking problem, a warning, and a note on what was compared."""

    note: str
    problem: str | None = None
    warning: str | None = None


def _observed_count(observed: str | None) -> int | None:
    """``observed_value`` of a stored row-count result, or None when absent or unreadable."""
    try:
        value = json.loads(observed or "null")
    except ValueError:
        return None
    count = value.get("observed_value") if isinstance(value, dict) else None
    return int(count) if isinstance(count, (int, float)) and not isinstance(count, bool) else None


def stored_row_counts(engine: sa.Engine, suite: str, table: str, limit: int) -> list[tuple] | None:
    """``(run_id, observed)`` of the suite's row-count results on ``table`` in passing gate runs, newest
    first, at most ``limit``; None when ``pipeline_runs.check_results`` does not exist (SQL warehouses)."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table(CHECK_RESULTS, schema=HISTORY_DATASET):
            return None
        query = (
            sa.select(_RESULTS.c.run_id, _RESULTS.c.observed)
            .where(
                _RESULTS.c.suite == suite,
                _RESULTS.c.table_name == table,
                _RESULTS.c.kind == "expectation",
                _RESULTS.c.gate_verdict == "passed",
                _RESULTS.c.expectation.startswith(ROW_COUNT_EXPECTATION, autoescape=True),
            )
            .order_by(_RESULTS.c.evaluated_at.desc(), _RESULTS.c.run_id.desc())
            .limit(limit)
        )
        return [tuple(row) for row in connection.execute(query).all()]


def baselines(rows: Iterable[tuple], runs: int) -> list[Baseline]:
    """The row count of each of the last ``runs`` runs among stored ``(run_id, observed)`` rows, newest first."""
    found: dict[str, Baseline] = {}
    for run_id, observed in rows:
        count = _observed_count(observed)
        if count is not None and run_id not in found:
            found[run_id] = Baseline(run_id=run_id, row_count=count)
    return list(found.values())[:runs]


def judge(current: int, history: list[Baseline]) -> Drift:
    """Compare the current count with the baselines (newest first): drop, spike, or within bounds."""
    thresholds = settings.current().row_count_drift
    drop_percent, factor, floor = thresholds.drop_percent, thresholds.spike_factor, thresholds.spike_min_rows
    previous = history[0]
    median = statistics.median(baseline.row_count for baseline in history)
    drift = Drift(
        note=f"row count {current:,}: previous {previous.row_count:,} (run {previous.run_id}), "
        f"median {median:,.0f} of {len(history)} passing runs"
    )
    if previous.row_count > 0:
        change = (current - previous.row_count) / previous.row_count * 100
        if -change > drop_percent:
            drift.problem = (
                f"row count fell from {previous.row_count:,} to {current:,} ({change:+.1f}%) since run "
                f"{previous.run_id} (more than the {drop_percent:g}% allowed)"
            )
    if current > factor * median and current - median > floor:
        ratio = current / median if median else float("inf")
        drift.warning = (
            f"row count spiked to {current:,}, {ratio:.1f}x the median {median:,.0f} of the last "
            f"{len(history)} passing runs (warns above {factor:g}x and +{floor:,.0f} rows)"
        )
    return drift


def check_drift(target: Any, suite: str, table: str, current: int) -> Drift:
    """The drift verdict of one suite's current row count, history read through the gate's target
    (``target.py``); skipped (a note only) without history."""
    runs = settings.current().row_count_drift.history_runs
    rows = target.stored_row_counts(suite, table, runs * 4)
    if rows is None:
        return Drift(note=f"row count drift not checked: no {HISTORY_DATASET}.{CHECK_RESULTS} yet")
    history = baselines(rows, runs)
    if not history:
        return Drift(note="row count drift not checked: no passing gate run of this suite yet")
    return judge(current, history)
