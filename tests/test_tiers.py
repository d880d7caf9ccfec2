"""make test's seeded sample of the slow tier: every fast test, one slow test of each folder at least, repeatable."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import tiers


@dataclass
class FakeItem:
    """What the sample reads of a collected test: its file and its marks."""

    path: Path
    marks: set[str] = field(default_factory=set)

    def get_closest_marker(self, name: str) -> str | None:
        return name if name in self.marks else None


ITEMS = [
    *(FakeItem(Path(f"tests/folder_{n % 4}/slow_{n % 8}.py"), {"slow"}) for n in range(40)),
    *(FakeItem(Path("tests/fast.py")) for _ in range(10)),
    *(FakeItem(Path("tests/faults/test_faults.py"), {"slow", "faults"}) for _ in range(5)),
]


def test_the_sample_keeps_every_fast_test_and_one_slow_test_of_every_folder() -> None:
    files = set()
    for seed in range(20):
        kept = tiers.slow_sample(ITEMS, 0.0, seed)
        slow = [item.path for item in kept if tiers.is_slow(item)]
        assert sorted(str(path.parent) for path in slow) == [f"tests/folder_{n}" for n in range(4)]
        files |= {str(path) for path in slow}
        # every fast test, and the faults (sampled on their own)
        assert sum(not tiers.is_slow(item) for item in kept) == 15
    assert len(files) == 8, "over seeds, each file's tests get their turn"


def test_the_same_seed_draws_the_same_sample_and_the_share_is_kept() -> None:
    first, again, other = (tiers.slow_sample(ITEMS, 0.5, seed) for seed in (7, 7, 8))
    assert [id(item) for item in first] == [id(item) for item in again]
    assert [id(item) for item in first] != [id(item) for item in other]
    slow = [item for item in first if tiers.is_slow(item)]
    assert 12 <= len(slow) <= 28, "about half of 40"
    assert len(tiers.slow_sample(ITEMS, 1.0, 7)) == len(ITEMS)
