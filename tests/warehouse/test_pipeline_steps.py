"""The one declaration of the pipeline's steps: order, each gate once, demo-only steps, publish alone."""

from __future__ import annotations

import pytest

from warehouse import pipeline, steps
from warehouse.cli import main
from warehouse.runs import RunRecord

# The steps of a run on the configured sources, in order (the demo adds its reconciliation after transform).
CONFIGURED_RUN = [
    "extract_load",
    "freshness",
    "compare_inputs",
    "check_raw",
    "transform",
    "check_marts",
    "publish",
]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every step function replaced by one that notes its call, in order."""
    noted: list[str] = []
    monkeypatch.setattr(
        steps, "extract_load", lambda record, api, landing, sources: noted.append("extract_load")
    )
    monkeypatch.setattr(steps, "check", lambda record, stage: noted.append(f"check_{stage}"))
    for name in ("freshness", "transform", "reconcile"):
        monkeypatch.setattr(steps, name, lambda record, name=name: noted.append(name))
    monkeypatch.setattr(steps, "publish_marts", lambda record: noted.append("publish"))
    monkeypatch.setattr(steps, "compare_inputs", lambda record, force: noted.append("compare_inputs") or True)
    return noted


def test_the_demo_runs_every_declared_step_once_in_order(calls: list[str]) -> None:
    pipeline.run_pipeline(RunRecord(), pipeline.RunOptions(api="local"))
    assert calls == [step.name for step in pipeline.PIPELINE]
    assert calls == [*CONFIGURED_RUN[:5], "reconcile", *CONFIGURED_RUN[5:]]


def test_a_run_on_configured_sources_skips_the_demo_reconciliation(calls: list[str]) -> None:
    pipeline.run_pipeline(RunRecord(), pipeline.RunOptions(api="config"))
    assert calls == CONFIGURED_RUN


def test_publish_alone_gates_the_marts_first(calls: list[str]) -> None:
    pipeline.run_pipeline(RunRecord(), pipeline.RunOptions(), pipeline.PUBLISH_ALONE)
    assert calls == ["check_marts", "publish"]


def test_a_failing_step_stops_the_run(calls: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_gate(record: RunRecord, stage: str) -> None:
        calls.append(f"check_{stage}")
        raise steps.StepFailed(f"the {stage} gate failed")

    monkeypatch.setattr(steps, "check", failing_gate)
    with pytest.raises(steps.StepFailed):
        pipeline.run_pipeline(RunRecord(), pipeline.RunOptions(api="local"))
    assert calls == ["extract_load", "freshness", "compare_inputs", "check_raw"]


def test_jaffle_run_walks_the_declared_pipeline(calls: list[str], data_dir, monkeypatch, capsys) -> None:
    monkeypatch.setenv("WAREHOUSE", "duckdb")
    monkeypatch.setattr("warehouse.cli.print_summary", lambda record: None)
    assert main(["run"]) == 0
    assert calls == CONFIGURED_RUN


def test_nothing_changed_ends_the_run_after_the_comparison_unless_forced(
    calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unchanged(record: RunRecord, force: bool) -> bool:
        calls.append("compare_inputs")
        return force  # as steps.compare_inputs does when the published data has the same inputs

    monkeypatch.setattr(steps, "compare_inputs", unchanged)
    pipeline.run_pipeline(RunRecord(), pipeline.RunOptions(api="local"))
    assert calls == ["extract_load", "freshness", "compare_inputs"], "no gate, no dbt build, no publish"
    calls.clear()
    pipeline.run_pipeline(RunRecord(), pipeline.RunOptions(api="local", force=True))
    assert calls == [step.name for step in pipeline.PIPELINE]
