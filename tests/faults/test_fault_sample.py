"""make test's seeded sample of the faults: every kind on every engine, the same sample for the same seed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent

pytestmark = pytest.mark.slow  # four pytest collections of the fault suite: not in make test-fast


def _collected(sample: int | None, seed: int | None) -> set[str]:
    """The fault test ids pytest collects with that sample and seed (none: every fault)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JAFFLE_FAULT_")}
    if sample is not None:
        environment |= {"JAFFLE_FAULT_SAMPLE": str(sample), "JAFFLE_FAULT_SEED": str(seed)}
    listing = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-m", "faults",
         str(HERE / "test_faults.py")],
        capture_output=True, text=True, env=environment, check=True,
    ).stdout  # fmt: skip
    return {line for line in listing.splitlines() if "[" in line}


def _kind(test_id: str) -> str:
    """Test, engine and fault kind of a fault's id (the injection point left out)."""
    name, params = re.match(r".*::(\w+)\[(.*)\]", test_id).groups()
    engine, *rest = params.split("-")
    return f"{name}:{engine}:{rest[0] if 'disk' not in name else 'disk'}"


def test_a_sample_covers_every_kind_and_repeats_with_its_seed() -> None:
    every = _collected(None, None)
    first, again, other = _collected(45, 1), _collected(45, 1), _collected(45, 2)
    assert len(first) == len(other) == 45 and first <= every
    assert {_kind(test) for test in first} == {_kind(test) for test in every} == {_kind(t) for t in other}
    assert first == again
    assert first != other


def _collected_steps(sample: int, seed: int) -> set[str]:
    """The faults after extract-load pytest collects with that step sample and seed."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JAFFLE_")}
    environment |= {
        "JAFFLE_FAULT_SAMPLE": "45",
        "JAFFLE_FAULT_SEED": str(seed),
        "JAFFLE_STEP_FAULT_SAMPLE": str(sample),
    }
    listing = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-m", "faults",
         str(HERE / "test_step_faults.py")],
        capture_output=True, text=True, env=environment, check=True,
    ).stdout  # fmt: skip
    return {line for line in listing.splitlines() if "[" in line}


def _engine_and_fault(test_id: str) -> tuple[str, str]:
    """The engine and the fault of a step fault's id."""
    engine, fault = re.match(r".*\[(\w+)-(\w+)-", test_id).groups()
    return engine, fault


def test_a_step_sample_draws_faults_of_different_kinds_on_one_engine() -> None:
    samples = {seed: _collected_steps(3, seed) for seed in range(1, 7)}
    for seed, sample in samples.items():
        engines, faults = zip(*map(_engine_and_fault, sample), strict=True)
        assert len(sample) == 3 and len(set(engines)) == 1 and len(set(faults)) == 3, (seed, sample)
    assert _collected_steps(3, 1) == samples[1]
    assert len({frozenset(sample) for sample in samples.values()}) > 1, "every seed drew the same faults"
    assert {_engine_and_fault(next(iter(s)))[0] for s in samples.values()} == {"duckdb", "postgres"}
