"""The fault suite's order and figures.

Order: each engine's faults run one after another, so its module-scoped reference run happens once (under
pytest-xdist, test_faults.py also keeps each engine's faults on one worker).

Figures: every fault's outcome travels on its test report (also from xdist workers) and is summed per engine at
the end of the session.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
FIGURES: list[dict[str, Any]] = []


def _engine(item: pytest.Item) -> str:
    """The engine a fault test runs on ('' for the tests that take none)."""
    callspec = getattr(item, "callspec", None)
    return str(callspec.params.get("engine", "")) if callspec else ""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group this folder's tests by engine, keeping their order otherwise (test_faults.py pins the workers)."""
    slots = [index for index, item in enumerate(items) if HERE in Path(item.path).parents]
    ordered = sorted((items[index] for index in slots), key=_engine)  # stable: plan order within an engine
    for index, item in zip(slots, ordered, strict=True):
        items[index] = item


def pytest_collection_finish(session: pytest.Session) -> None:
    """On an xdist worker with --dist loadgroup: refuse to run when the grouping did not take effect."""
    if not getattr(session.config.option, "loadgroup", False):
        return
    ungrouped = [
        item.nodeid
        for item in session.items
        if HERE in Path(item.path).parents
        and item.get_closest_marker("xdist_group")
        and "@" not in item.nodeid
    ]
    if ungrouped:
        raise pytest.UsageError(
            f"pytest-xdist did not group {len(ungrouped)} fault tests (e.g. {ungrouped[0]}): a Postgres restart "
            "would cut off the other worker's tests. Install the locked pytest (make setup) or run -n 0."
        )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Keep the figures a fault test attached to its report."""
    if report.when == "call":
        FIGURES.extend(value for name, value in report.user_properties if name == "fault_figures")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Faults injected, runs converged, duplicate and lost keys, per engine and in total."""
    if not FIGURES:
        return
    per_engine: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for figure in FIGURES:
        for engine in (figure["engine"], "total"):
            totals = per_engine[engine]
            totals["faults injected"] += figure["injected"]
            totals["converged"] += figure["converged"]
            totals["runs after the fault"] += figure["runs_after"]
            totals["duplicate keys"] += figure["duplicate_keys"]
            totals["lost keys"] += figure["lost_keys"]
            totals["unexpected keys"] += figure["unexpected_keys"]
            totals["packages aborted"] += figure["aborted"]
            totals["packages finished"] += figure["finished"]
            totals["folders rebuilt"] += figure["rebuilt"]
    terminalreporter.section("fault injection figures")
    columns = list(per_engine["total"])
    terminalreporter.write_line(f"{'engine':<10}" + "".join(f"{name:>22}" for name in columns))
    for engine, totals in sorted(per_engine.items(), key=lambda item: item[0] == "total"):
        terminalreporter.write_line(f"{engine:<10}" + "".join(f"{totals[name]:>22}" for name in columns))
