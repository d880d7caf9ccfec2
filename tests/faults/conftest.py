"""The fault suite's order and figures.

Order: each engine's faults run one after another, so its module-scoped reference run happens once (under
pytest-xdist, test_faults.py also keeps each engine's faults on one worker).

Figures: every fault's outcome travels on its test report (also from xdist workers) and is summed per engine at
the end of the session, then tabled by the step the fault hit and its outcome.
"""

from __future__ import annotations

import os
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import tiers

HERE = Path(__file__).parent
STEP_FAULTS_FILE = "test_step_faults.py"  # faults after extract-load, sampled on their own
PLAN_GUARD_FILE = "test_step_fault_counts.py"  # the whole plan's event counts: not for a sample
FIGURES: list[dict[str, Any]] = []


def _engine(item: pytest.Item) -> str:
    """The engine a fault test runs on ('' for the tests that take none)."""
    callspec = getattr(item, "callspec", None)
    return str(callspec.params.get("engine", "")) if callspec else ""


def _fault_kind(item: pytest.Item) -> tuple[str, str, str] | None:
    """(test, engine, fault kind) of an injected fault; None for the tests that inject none."""
    callspec = getattr(item, "callspec", None)
    if not callspec or "engine" not in callspec.params:
        return None
    kind = callspec.params.get("fault", "disk_full")
    return (getattr(item, "originalname", item.name), str(callspec.params["engine"]), str(kind))


def sample_faults(items: list[pytest.Item], size: int, seed: int) -> list[pytest.Item]:
    """A seeded sample of ``size`` faults: one of every (test, engine, fault kind) first, then random others.

    Every step and every kind of fault stays covered in each sample; which injection point of a kind runs
    changes with the seed. Tests that inject no fault are always kept. The sample is the same in every
    process given the same seed (pytest-xdist's workers must collect the same tests).
    """
    rng = random.Random(seed)
    faults = [item for item in items if _fault_kind(item)]
    by_kind: dict[tuple[str, str, str], list[pytest.Item]] = defaultdict(list)
    for item in faults:
        by_kind[_fault_kind(item)].append(item)  # type: ignore[index]
    chosen = {id(rng.choice(group)) for _, group in sorted(by_kind.items())}
    rest = [item for item in faults if id(item) not in chosen]
    chosen |= {id(item) for item in rng.sample(rest, max(0, min(size - len(chosen), len(rest))))}
    return [item for item in items if not _fault_kind(item) or id(item) in chosen]


def sample_step_faults(items: list[pytest.Item], size: int, seed: int) -> list[pytest.Item]:
    """A seeded sample of ``size`` faults after extract-load (test_step_faults.py), all on one engine.

    Each engine's faults start from two reference pipeline runs that cost minutes, so a sample draws one
    engine (which one changes with the seed) and faults of ``size`` different kinds on it. ``make
    test-faults`` runs them all. Tests that inject no fault are always kept.
    """
    rng = random.Random(seed)
    faults = [item for item in items if _fault_kind(item)]
    if not faults or size <= 0:
        return [item for item in items if not _fault_kind(item)]
    engine = rng.choice(sorted({_engine(item) for item in faults}))
    by_kind: dict[tuple[str, str, str], list[pytest.Item]] = defaultdict(list)
    for item in faults:
        if _engine(item) == engine:
            by_kind[_fault_kind(item)].append(item)  # type: ignore[index]
    kinds = rng.sample(sorted(by_kind), min(size, len(by_kind)))
    chosen = {id(rng.choice(by_kind[kind])) for kind in kinds}
    return [item for item in items if not _fault_kind(item) or id(item) in chosen]


def _step_sample_size() -> int | None:
    """``JAFFLE_STEP_FAULT_SAMPLE``: how many faults after extract-load a sample runs (None: not sampled)."""
    size = os.environ.get("JAFFLE_STEP_FAULT_SAMPLE", "").strip()
    return int(size) if size else None


def _sample_settings(config: pytest.Config) -> tuple[int, int] | None:
    """``JAFFLE_FAULT_SAMPLE`` (faults to run) and ``JAFFLE_FAULT_SEED``, when a sample is asked for."""
    request = tiers.sample_request("JAFFLE_FAULT_SAMPLE", "JAFFLE_FAULT_SEED")
    return None if request is None else (int(request[0]), request[1])


def pytest_report_header(config: pytest.Config) -> str | None:
    """The sample's size and seed, so a failing sample can be run again."""
    sample = _sample_settings(config)
    if sample is None:
        return None
    steps = _step_sample_size()
    after = f" and {steps} after extract-load on one engine" if steps is not None else ""
    return (
        f"fault sample: {sample[0]} extract-load faults{after}, seed {sample[1]} "
        f"(JAFFLE_FAULT_SEED={sample[1]} repeats it)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Sample the faults when asked, then group this folder's tests by engine, keeping their order otherwise
    (test_faults.py pins the workers)."""
    sample = _sample_settings(config)
    if sample is not None:
        mine = [item for item in items if HERE in Path(item.path).parents]
        steps = [item for item in mine if Path(item.path).name == STEP_FAULTS_FILE]
        extract_load = [
            item for item in mine if Path(item.path).name not in (STEP_FAULTS_FILE, PLAN_GUARD_FILE)
        ]
        kept = {id(item) for item in items} - {id(item) for item in mine}
        kept |= {id(item) for item in sample_faults(extract_load, *sample)}
        step_size = _step_sample_size()
        kept |= {
            id(item)
            for item in (steps if step_size is None else sample_step_faults(steps, step_size, sample[1]))
        }
        tiers.keep_only(config, items, kept)
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
            "would cut off the other worker's tests. Install the locked pytest (make setup EXTRAS=dev) or run -n 0."
        )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Keep the figures a fault test attached to its report."""
    if report.when == "call":
        FIGURES.extend(value for name, value in report.user_properties if name == "fault_figures")


# The step of an extract-load fault, by the event it counts (test_step_faults.py names its steps itself).
EXTRACT_LOAD_STEPS = {
    "extract": ("kill_extract_write", "kill_after_extract", "disk_full_extract", "api_failure"),
    "normalize": ("kill_normalize_write", "kill_after_normalize", "disk_full_normalize"),
    "load": ("kill_load_job", "kill_before_load_record", "kill_after_load_record", "postgres_restart"),
    "extract-load (full disk)": ("disk full",),
}


def step_of(figure: dict[str, Any]) -> str:
    """The step a fault hit."""
    if "step" in figure:
        return figure["step"]
    fault = figure["fault"].removeprefix("incremental ")
    for step, faults in EXTRACT_LOAD_STEPS.items():
        if any(fault.startswith(name) for name in faults):
            return step
    return "other"


def _table_by_step(terminalreporter: Any) -> None:
    """Faults per step and engine, and how many converged."""
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for figure in FIGURES:
        outcome = "converged" if figure["converged"] else "did not converge"
        for step in (step_of(figure), "total"):
            rows[step][f"{figure['engine']} {outcome}"] += 1
            rows[step][f"all {outcome}"] += 1
    columns = [
        f"{engine} {outcome}"
        for engine in (*sorted({figure["engine"] for figure in FIGURES}), "all")
        for outcome in ("converged", "did not converge")
    ]
    terminalreporter.section("faults by step and outcome")
    terminalreporter.write_line(f"{'step':<36}" + "".join(f"{name:>26}" for name in columns))
    for step, counts in sorted(rows.items(), key=lambda item: (item[0] == "total", item[0])):
        terminalreporter.write_line(f"{step:<36}" + "".join(f"{counts[name]:>26}" for name in columns))


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
    _table_by_step(terminalreporter)
