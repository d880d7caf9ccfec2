"""The data-quality sections and report from run records alone: no warehouse, no dbt, no browser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from warehouse import docs_site

FAILED_SUITE = {
    "name": "marts__orders",
    "table": "marts.orders",
    "evaluated": 3,
    "row_count": 10,
    "passed": False,
    "reasons": [],
    "failures": [
        {
            "expectation": "expect_column_values_to_be_unique",
            "severity": "critical",
            "observed": {"unexpected_count": 2, "partial_unexpected_list": ["</script><b>x</b>"]},
            "error": None,
        }
    ],
    "observations": [
        {"expectation": "unique(order_id)", "passed": False, "observed": {"unexpected_count": 2}}
    ],
}


def _gate(stage: str, suites: list[dict[str, Any]]) -> dict[str, Any]:
    """A gate's record as ``GateResult.to_dict`` writes it."""
    passed = all(suite["passed"] for suite in suites)
    return {
        "stage": stage,
        "warehouse": "duckdb",
        "target": "duckdb",
        "passed": passed,
        "evaluated": 3,
        "failed_critical": 0 if passed else 1,
        "failed_warning": 0,
        "errors": [],
        "suites": suites,
    }


def _write_run(data_dir: Path, run_id: str, warehouse: str, gate: dict[str, Any]) -> None:
    """One run record with one check step."""
    step = {"name": f"check_{gate['stage']}", "status": "ok", "detail": gate}
    record = {"run_id": run_id, "warehouse": warehouse, "started_at": run_id, "steps": [step]}
    (data_dir / "runs").mkdir(exist_ok=True)
    (data_dir / "runs" / f"{run_id}.json").write_text(json.dumps(record))


def test_latest_gate_per_stage_of_this_warehouse(data_dir: Path) -> None:
    """A later run replaces an earlier one; another warehouse's runs are ignored."""
    passing = {**FAILED_SUITE, "passed": True, "failures": []}
    _write_run(data_dir, "20260101T000000-aaaaaa", "duckdb", _gate("marts", [passing]))
    _write_run(data_dir, "20260102T000000-bbbbbb", "duckdb", _gate("marts", [FAILED_SUITE]))
    _write_run(data_dir, "20260103T000000-cccccc", "postgres", _gate("marts", [passing]))
    gates = docs_site.latest_gates("duckdb")
    assert list(gates) == ["marts"]
    assert gates["marts"]["run_id"] == "20260102T000000-bbbbbb" and not gates["marts"]["passed"]


def test_failed_suite_is_shown_on_the_model_and_escaped_in_the_report() -> None:
    """The model's section says FAILED and links to its suite; observed values cannot inject markup."""
    gates = {"marts": _gate("marts", [FAILED_SUITE]) | {"run_id": "r1", "run_at": "t1"}}
    tests = {
        "model.p.orders": [
            {"name": "unique_orders_order_id", "kind": "data test", "status": "fail", "failures": 2}
        ]
    }
    model = {
        "unique_id": "model.p.orders",
        "resource_type": "model",
        "schema": "marts",
        "alias": "orders",
        "name": "orders",
        "description": "Orders.",
    }
    manifest = {"nodes": {"model.p.orders": model}, "sources": {}, "docs": {}}
    docs_site.annotate(manifest, gates, "t2", tests)
    description = model["description"]
    assert description.startswith("Orders.\n\n### Data quality")
    assert "suite `marts__orders` of the marts gate **FAILED**" in description
    assert "| `unique_orders_order_id` | data test | fail | 2 |" in description
    assert description.endswith("(data_quality.html#suite-marts__orders)")
    report = docs_site.report_html(gates, "t2", tests)
    assert "<b>x</b>" not in report and "&lt;b&gt;x&lt;/b&gt;" in report
    assert "</script><b>" not in docs_site.script_json({"a": "</script><b>"})
