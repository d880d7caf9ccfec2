"""The fault suite's figures: every injected fault's outcome, summed per engine at the end of the session."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fault_figures import FIGURES


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
