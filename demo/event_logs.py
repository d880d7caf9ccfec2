"""Demo web and store event logs: gzipped JSON Lines, one folder per UTC day, at a chosen size.

``logs/events/date=YYYY-MM-DD/part-NNNN.jsonl.gz``, deterministic for a seed and size, written chunk by chunk
(memory stays bounded at any size). A few lines are dirty on purpose (malformed JSON, a missing field, a bad
timestamp, an exact duplicate) and every session-boundary edge case appears each day; ``_manifest.json``
counts what was written, so a reader can prove rows in = rows kept + rows rejected.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO

import numpy as np

from demo.data.randomness import rng_for
from demo.data.reference import STORES

log = logging.getLogger(__name__)

FIRST_DAY = date(2024, 3, 1)
DAY_MS = 86_400_000
MINUTE_MS = 60_000
SESSION_GAP_MS = 30 * MINUTE_MS  # a gap longer than this starts a new session (readers use the same rule)
PART_BYTES = 128 << 20  # uncompressed bytes per part file before the next one starts
CHUNK_VISITS = 5_000
VISIT_BYTES = 1_400
STORE_NAMES = tuple(store[0] for store in STORES)
REQUIRED_FIELDS = ("event_id", "event_time", "visitor_id", "store", "event_type", "path")
BAD_TIMESTAMPS = (
    "yesterday",
    "2024-13-01T00:00:00.000Z",
    "2024-03-01 10:00:00",
    "2024-03-01T10:00:00+02:00",
    "",
)
# path, event type, relative weight
PAGES = (
    ("/", "page_view", 8),
    ("/menu", "page_view", 10),
    ("/menu/jaffles", "page_view", 6),
    ("/menu/beverages", "page_view", 6),
    *((f"/product/JAF-00{i}", "page_view", 2) for i in range(1, 6)),
    *((f"/product/BEV-00{i}", "page_view", 2) for i in range(1, 6)),
    ("/locations", "page_view", 3),
    ("/cart", "add_to_cart", 4),
)
USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4)",
    "Mozilla/5.0 (X11; Linux x86_64)",
    "JaffleKiosk/2.1",
)
DIRTY_RATES = {"malformed": 0.002, "missing_field": 0.002, "bad_timestamp": 0.002, "duplicate": 0.004}


@dataclass
class LogManifest:
    """What one generation wrote: lines by kind, sizes, days."""

    seed: int
    days: int
    lines: int = 0
    clean_events: int = 0
    dirty: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DIRTY_RATES, 0))
    bytes_uncompressed: int = 0
    bytes_on_disk: int = 0
    files: int = 0


@dataclass
class Event:
    """One clean event before it becomes a line."""

    time_ms: int
    visitor: str
    store: str
    channel: str
    event_type: str
    path: str
    status: int


def _iso(times_ms: list[int]) -> list[str]:
    """UTC times as ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    text = np.datetime_as_string(np.array(times_ms, dtype="datetime64[ms]"), unit="ms")
    return [f"{value}Z" for value in text.tolist()]


def _record(event_id: str, event: Event, event_time: str, agent: str) -> dict:
    """The JSON object of one event."""
    return {
        "event_id": event_id,
        "event_time": event_time,
        "visitor_id": event.visitor,
        "store": event.store,
        "channel": event.channel,
        "event_type": event.event_type,
        "path": event.path,
        "status": event.status,
        "user_agent": agent,
    }


def _edge_cases(day_start: int, day: int) -> list[Event]:
    """Events at every session boundary the readers must agree on, for one day."""
    v = f"edge-{day}"
    at = day_start + 9 * 3_600_000
    web = "web"
    return [
        # a gap of exactly 30 minutes stays in the session; 30 minutes and 1 ms starts a new one
        Event(at, f"{v}-gap", "Brooklyn", web, "page_view", "/", 200),
        Event(at + SESSION_GAP_MS, f"{v}-gap", "Brooklyn", web, "page_view", "/menu", 200),
        Event(at + 2 * SESSION_GAP_MS + 1, f"{v}-gap", "Brooklyn", web, "page_view", "/cart", 200),
        # two events at the same millisecond, in two stores: the first by event id gives the session's store
        Event(at, f"{v}-tie", "Chicago", web, "page_view", "/menu", 200),
        Event(at, f"{v}-tie", "Philadelphia", web, "order", "/order/confirmed", 201),
        # a session crossing midnight belongs to the day it started
        Event(day_start + DAY_MS - 5 * MINUTE_MS, f"{v}-night", "Los Angeles", web, "page_view", "/", 200),
        Event(
            day_start + DAY_MS + 10 * MINUTE_MS,
            f"{v}-night",
            "Los Angeles",
            web,
            "checkout",
            "/checkout",
            200,
        ),
        Event(
            day_start + DAY_MS + 11 * MINUTE_MS, f"{v}-night", "Los Angeles", web, "error", "/checkout", 503
        ),
    ]


def _visits(rng: np.random.Generator, day_start: int, n_visits: int, n_visitors: int) -> list[Event]:
    """``n_visits`` random visits starting within the day; some outlast it or pause past the session gap."""
    visitors = rng.integers(0, n_visitors, n_visits)
    starts = day_start + rng.integers(0, DAY_MS, n_visits)
    lengths = np.minimum(1 + rng.geometric(0.22, n_visits), 25)
    weights = np.array([page[2] for page in PAGES], dtype=np.float64)
    events = []
    for visitor, start, length in zip(visitors.tolist(), starts.tolist(), lengths.tolist(), strict=True):
        store = STORE_NAMES[visitor % len(STORE_NAMES)]
        channel = "store" if visitor % 10 < 3 else "web"
        gaps = rng.exponential(90_000, length).astype(np.int64)
        gaps[rng.random(length) < 0.03] += SESSION_GAP_MS  # came back later: a new session
        times = start + np.cumsum(gaps) - gaps[0]
        pages = rng.choice(len(PAGES), length, p=weights / weights.sum())
        errors = rng.random(length) < 0.01
        name = f"v{visitor:08d}"
        for time_ms, page, error in zip(times.tolist(), pages.tolist(), errors.tolist(), strict=True):
            path, kind, _ = PAGES[page]
            kind, status = ("error", 500) if error else (kind, 200)
            events.append(Event(time_ms, name, store, channel, kind, path, status))
        if rng.random() < 0.12:  # converted: checkout, then the order
            last = int(times[-1])
            events.append(Event(last + 40_000, name, store, channel, "checkout", "/checkout", 200))
            events.append(Event(last + 95_000, name, store, channel, "order", "/order/confirmed", 201))
    return events


def _chunk_visits(bytes_left: float) -> int:
    """Visits in the next chunk: at most CHUNK_VISITS, fewer near the day's size (a visit is ~1.4 kB of lines)."""
    return int(min(CHUNK_VISITS, max(50, bytes_left / VISIT_BYTES)))


def _dirty_line(rng: np.random.Generator, kind: str, record: dict) -> str:
    """A line of the given dirty kind made from a clean record."""
    if kind == "missing_field":
        record = dict(record)
        del record[REQUIRED_FIELDS[int(rng.integers(len(REQUIRED_FIELDS)))]]
    elif kind == "bad_timestamp":
        record = {**record, "event_time": BAD_TIMESTAMPS[int(rng.integers(len(BAD_TIMESTAMPS)))]}
    line = json.dumps(record, separators=(",", ":"))
    if kind == "malformed":
        line = line[: int(rng.integers(1, len(line) - 1))]  # a truncated write
    return line + "\n"


class _DayWriter:
    """Gzipped part files of one day partition, rolled over at PART_BYTES."""

    def __init__(self, folder: Path, manifest: LogManifest) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.manifest, self.part, self.size = folder, manifest, 0, 0
        self.handle: io.TextIOWrapper | None = None
        self.file: BinaryIO | None = None

    def write(self, line: str) -> None:
        """Append one line, starting a new part when the current one is full."""
        if self.handle is None or self.size >= PART_BYTES:
            self.close()
            path = self.folder / f"part-{self.part:04d}.jsonl.gz"
            self.file = path.open("wb")  # no name and mtime 0 in the gzip header: the same bytes every run
            raw = gzip.GzipFile(filename="", mode="wb", compresslevel=1, fileobj=self.file, mtime=0)
            self.handle, self.size, self.part = io.TextIOWrapper(raw, encoding="utf-8"), 0, self.part + 1
            self.manifest.files += 1
        self.handle.write(line)
        self.size += len(line)
        self.manifest.bytes_uncompressed += len(line)
        self.manifest.lines += 1

    def close(self) -> None:
        """Close the open part."""
        if self.handle is not None:
            self.handle.close()
            self.file.close()
            self.handle = None


def _write_events(writer: _DayWriter, rng: np.random.Generator, events: list[Event], prefix: str) -> None:
    """Write clean events as lines, turning a few into dirty ones (clean ones counted)."""
    kinds = list(DIRTY_RATES)
    rates = np.cumsum([DIRTY_RATES[k] for k in kinds])
    draws = rng.random(len(events)).tolist()
    times = _iso([event.time_ms for event in events])
    for number, (event, draw, time) in enumerate(zip(events, draws, times, strict=True)):
        record = _record(f"{prefix}-{number:07d}", event, time, USER_AGENTS[number % len(USER_AGENTS)])
        index = int(np.searchsorted(rates, draw, side="right"))
        kind = kinds[index] if index < len(kinds) else None
        if kind in (None, "duplicate"):
            line = json.dumps(record, separators=(",", ":")) + "\n"
            writer.write(line)
            writer.manifest.clean_events += 1
            if kind == "duplicate":
                writer.write(line)  # a retried send: the same line twice
        else:
            writer.write(_dirty_line(rng, kind, record))
        if kind:
            writer.manifest.dirty[kind] += 1


def generate_logs(out: Path, gigabytes: float, seed: int = 42, days: int = 7) -> LogManifest:
    """Write about ``gigabytes`` of uncompressed JSON Lines over ``days`` day partitions under ``out``."""
    manifest = LogManifest(seed=seed, days=days)
    day_bytes = gigabytes * 1e9 / days
    n_visitors = max(200, int(day_bytes / 8_000))
    carried: list[Event] = []
    for day in range(days + 1):  # one more folder for the sessions still running at the last midnight
        day_start = int(np.datetime64(FIRST_DAY + timedelta(days=day), "ms").astype(np.int64))
        folder = out / f"date={FIRST_DAY + timedelta(days=day)}"
        writer = _DayWriter(folder, manifest)
        rng = rng_for(seed, day)
        pending, chunk, before = carried, 0, manifest.bytes_uncompressed
        carried = []
        while pending or (day < days and (chunk == 0 or manifest.bytes_uncompressed - before < day_bytes)):
            if day < days:
                pending += _visits(
                    rng,
                    day_start,
                    _chunk_visits(day_bytes - (manifest.bytes_uncompressed - before)),
                    n_visitors,
                )
                if chunk == 0:
                    pending += _edge_cases(day_start, day)
            today = [e for e in pending if e.time_ms < day_start + DAY_MS]
            carried += [e for e in pending if e.time_ms >= day_start + DAY_MS]
            _write_events(writer, rng, today, f"e{seed}-{day:03d}-{chunk:05d}")
            pending, chunk = [], chunk + 1
        writer.close()
    manifest.bytes_on_disk = sum(path.stat().st_size for path in out.glob("date=*/*.jsonl.gz"))
    (out / "_manifest.json").write_text(json.dumps(asdict(manifest), indent=2) + "\n")
    log.info("wrote %s lines (%s bytes uncompressed) to %s", manifest.lines, manifest.bytes_uncompressed, out)
    return manifest
