"""The test tiers: the order tests start in, and make test's seeded sample of the slow tier.

``make test-fast`` runs the tests not marked ``slow``; ``make test`` runs all of them and a seeded sample of the
slow tier: at least one test of every folder holding slow tests, every other slow test with probability ``JAFFLE_SLOW_SAMPLE``
(the seed, ``JAFFLE_SLOW_SEED``, is printed in pytest's header and repeats the sample); ``make test-all`` runs
every test. Over runs with different seeds every slow test runs; each run stays within CI's time.
The fault suite has its own sample (tests/faults/conftest.py).
"""

from __future__ import annotations

import os
import random
from collections import defaultdict
from pathlib import Path

import pytest

# Folders whose slow tests take minutes each (Spark sessions, Airflow DAG runs): started first.
LONGEST_FIRST = ("spark", "orchestration")


def is_slow(item: pytest.Item) -> bool:
    """A test of the slow tier (the fault suite is sampled on its own)."""
    return item.get_closest_marker("slow") is not None and item.get_closest_marker("faults") is None


def start_order(item: pytest.Item) -> int:
    """0 for the longest tests, 1 for other slow ones, 2 for the rest."""
    if not is_slow(item):
        return 2
    return 0 if Path(item.path).parent.name in LONGEST_FIRST else 1


def sample_request(size_variable: str, seed_variable: str) -> tuple[str, int] | None:
    """The size of a sample asked for in ``size_variable`` and its seed, or None when none is asked for."""
    size = os.environ.get(size_variable, "").strip()
    if not size:
        return None
    seed = os.environ.get(seed_variable, "").strip()
    if not seed:
        raise pytest.UsageError(
            f"{size_variable} needs {seed_variable}: every pytest-xdist worker must draw the same sample"
        )
    return size, int(seed)


def keep_only(config: pytest.Config, items: list[pytest.Item], kept: set[int]) -> None:
    """Leave in ``items`` only those whose id is in ``kept``; report the others as deselected."""
    deselected = [item for item in items if id(item) not in kept]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if id(item) in kept]


def sample_settings() -> tuple[float, int] | None:
    """``JAFFLE_SLOW_SAMPLE`` (the share of slow tests to run) and ``JAFFLE_SLOW_SEED``, when asked for."""
    request = sample_request("JAFFLE_SLOW_SAMPLE", "JAFFLE_SLOW_SEED")
    if request is None:
        return None
    share, seed = request
    if not 0 <= float(share) <= 1:
        raise pytest.UsageError(f"JAFFLE_SLOW_SAMPLE={share} is not a share between 0 and 1")
    return float(share), seed


def slow_sample(items: list[pytest.Item], share: float, seed: int) -> list[pytest.Item]:
    """The items to keep: every fast test, one slow test of each folder, the other slow ones with ``share``.

    One of each folder, not of each file: the Spark folder alone holds four files whose tests take five to ten
    minutes each on two cores, and one of each file put CI past its time budget.
    """
    rng = random.Random(seed)
    by_folder: dict[str, list[pytest.Item]] = defaultdict(list)
    for item in items:
        if is_slow(item):
            by_folder[str(Path(item.path).parent)].append(item)
    kept: set[int] = set()
    for _, tests in sorted(by_folder.items()):
        first = rng.randrange(len(tests))
        kept |= {id(test) for index, test in enumerate(tests) if index == first or rng.random() < share}
    return [item for item in items if not is_slow(item) or id(item) in kept]
