"""The pipeline's steps and their order, declared once.

``jaffle demo`` and ``jaffle run`` (hence ``make demo`` and ``make run``) walk :data:`PIPELINE` in order; the
Airflow DAG (``orchestration/dag.py``) builds one task per step from it (one per source for extract-load).
Each gate is a step of its own and runs exactly once per run; publish only publishes (``jaffle publish`` on its
own still runs the marts gate first, see :data:`PUBLISH_ALONE`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import steps
from .runs import RunRecord


@dataclass(frozen=True)
class RunOptions:
    """What one run reads: ``api`` (``local``: the demo stand-in, ``config`` or a URL), sources, landing."""

    api: str = "config"
    sources: list[str] | None = None
    landing: str | None = None
    force: bool = False  # every step runs, even when nothing changed since the published run

    @property
    def demo(self) -> bool:
        """Whether this run reads the local demo systems (their manifest is what the marts reconcile with)."""
        return self.api == "local"


@dataclass(frozen=True)
class Step:
    """One step: its name (the run record's step and the DAG's task id), what it does, and how it runs."""

    name: str
    doc: str
    run: Callable[[RunRecord, RunOptions], Any]
    per_source: bool = False  # the DAG runs one task per source (``<name>_<source>``)
    demo_only: bool = False  # runs on the demo data only
    may_end_run: bool = False  # returning False ends the run there, successfully: nothing left to do

    def applies(self, options: RunOptions) -> bool:
        """Whether the step runs with these options."""
        return options.demo or not self.demo_only


PIPELINE: tuple[Step, ...] = (
    Step(
        "extract_load",
        "Extract-load each source into raw_<source>, reconciled (read = loaded + merged away + quarantined).",
        lambda record, options: steps.extract_load(record, options.api, options.landing, options.sources),
        per_source=True,
    ),
    Step("freshness", "`dbt source freshness` on dlt's completed loads.", lambda r, _: steps.freshness(r)),
    Step(
        "compare_inputs",
        "Digest the run's inputs (completed loads, models, suites, settings): when the published data was built"
        " from the same, nothing changed and the rest of the run is skipped (`--force` runs it). It follows"
        " freshness, so a source that stopped delivering still fails the run.",
        lambda r, options: steps.compare_inputs(r, options.force),
        may_end_run=True,
    ),
    Step("check_raw", "The raw gate (Great Expectations, fail-closed).", lambda r, _: steps.check(r, "raw")),
    Step("transform", "dbt build: models, snapshots, data and unit tests.", lambda r, _: steps.transform(r)),
    Step(
        "reconcile",
        "The demo marts hold every order, item, customer and cent of the demo source.",
        lambda r, _: steps.reconcile(r),
        demo_only=True,
    ),
    Step("check_marts", "The marts gate (fail-closed).", lambda r, _: steps.check(r, "marts")),
    Step("publish", "Publish the checked marts atomically.", lambda r, _: steps.publish_marts(r)),
)
STEPS = {step.name: step for step in PIPELINE}
# `jaffle publish` alone: nothing is published that has not passed the marts gate in the same run.
PUBLISH_ALONE = ("check_marts", "publish")


def run_step(name: str, record: RunRecord, options: RunOptions) -> Any:
    """Run one declared step (nothing when it does not apply to these options)."""
    step = STEPS[name]
    return step.run(record, options) if step.applies(options) else None


def run_pipeline(record: RunRecord, options: RunOptions, names: tuple[str, ...] | None = None) -> None:
    """Run the declared steps in order (``names``: only those), stopping at the first that fails or that says
    there is nothing left to do."""
    for step in PIPELINE:
        if names is None or step.name in names:
            if run_step(step.name, record, options) is False and step.may_end_run:
                return
