"""The demo event logs: deterministic for a seed, day-partitioned, their manifest balanced."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from demo.event_logs import BAD_TIMESTAMPS, DIRTY_RATES, generate_logs


def _files(root: Path) -> dict[str, bytes]:
    """Every part file's bytes by path relative to ``root``."""
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.glob("date=*/*.jsonl.gz"))}


def test_same_seed_same_bytes_other_seed_other_lines(tmp_path: Path):
    first = generate_logs(tmp_path / "a", 0.002, seed=7, days=2)
    again = generate_logs(tmp_path / "b", 0.002, seed=7, days=2)
    other = generate_logs(tmp_path / "c", 0.002, seed=8, days=2)
    assert _files(tmp_path / "a") == _files(tmp_path / "b") and first == again
    assert _files(tmp_path / "a") != _files(tmp_path / "c") and other.lines != first.lines


def test_partitions_size_and_manifest_balance(tmp_path: Path):
    manifest = generate_logs(tmp_path, 0.003, seed=42, days=3)
    folders = sorted(path.name for path in tmp_path.glob("date=*"))
    assert folders == ["date=2024-03-01", "date=2024-03-02", "date=2024-03-03", "date=2024-03-04"]
    lines = [
        line
        for path in tmp_path.glob("date=*/*.jsonl.gz")
        for line in gzip.open(path, "rt").read().splitlines()
    ]
    assert len(lines) == manifest.lines
    assert 0.9 * 0.003e9 < manifest.bytes_uncompressed < 1.2 * 0.003e9
    assert manifest.lines == manifest.clean_events + sum(manifest.dirty.values())
    assert all(manifest.dirty[kind] > 0 for kind in DIRTY_RATES), manifest.dirty
    assert json.loads((tmp_path / "_manifest.json").read_text())["lines"] == manifest.lines
    # every folder's events fall on its own UTC day (a session past midnight continues in the next folder)
    for path in tmp_path.glob("date=*/*.jsonl.gz"):
        day = path.parent.name.removeprefix("date=")
        for line in gzip.open(path, "rt"):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            stamp = record.get("event_time")
            assert stamp is None or stamp in BAD_TIMESTAMPS or stamp.startswith(day), (path, stamp)
