"""Row accounting for one extract-load run: every row read is either loaded or quarantined, never lost.

Sources count what they read and divert rows they cannot load into the ``quarantine`` table of their dataset,
with where the row came from, its raw text and the reason. After the load the pipeline reconciles, per table,
rows read against rows loaded (as dlt normalized them) plus rows quarantined, and fails when they differ.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import dlt
from dlt.sources import DltResource

QUARANTINE_TABLE = "quarantine"
# Raw text is kept whole up to this many characters; longer rows are cut and say so in the reason.
MAX_RAW_TEXT = 10_000

QUARANTINE_COLUMNS: dict[str, dict] = {
    "table_name": {"data_type": "text", "nullable": False},
    "origin": {"data_type": "text", "nullable": False},
    "raw_text": {"data_type": "text", "nullable": True},
    "reason": {"data_type": "text", "nullable": False},
    "quarantined_at": {"data_type": "timestamp", "nullable": False},
}


@dataclass(frozen=True)
class TableReconciliation:
    """One table's balance: rows read against rows loaded plus rows quarantined."""

    table: str
    read: int
    loaded: int
    quarantined: int

    @property
    def balanced(self) -> bool:
        """True when every row read is accounted for."""
        return self.read == self.loaded + self.quarantined

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy, with the verdict."""
        return {**asdict(self), "balanced": self.balanced}


class ReconciliationError(RuntimeError):
    """Rows read do not equal rows loaded plus rows quarantined for at least one table."""

    def __init__(self, source: str, failures: list[TableReconciliation]) -> None:
        details = "; ".join(
            f"{r.table}: read {r.read}, loaded {r.loaded}, quarantined {r.quarantined}" for r in failures
        )
        super().__init__(
            f"{source}: rows were lost between read and load ({details}). "
            "Nothing was published; inspect the load package and the source reader."
        )
        self.failures = failures


class RowLedger:
    """Counts rows read and quarantined per table; thread-safe, as dlt may extract resources in parallel."""

    def __init__(self) -> None:
        self._read: Counter[str] = Counter()
        self._quarantined: Counter[str] = Counter()
        self._lock = threading.Lock()

    def count_read(self, table: str, rows: int = 1) -> None:
        """Record ``rows`` records read from the source for ``table`` (good or bad alike)."""
        with self._lock:
            self._read[table] += rows

    def quarantine(self, table: str, origin: str, raw_text: str | bytes | None, reason: str) -> Any:
        """Count one diverted row and return it as an item for the ``quarantine`` table (yield it)."""
        return self.quarantine_rows(table, [(origin, raw_text, reason)])

    def quarantine_rows(self, table: str, rejects: Iterable[tuple[str, str | bytes | None, str]]) -> Any:
        """Count diverted rows, given as (origin, raw text, reason), and return them as one quarantine item."""
        rows = [quarantine_row(table, origin, raw_text, reason) for origin, raw_text, reason in rejects]
        with self._lock:
            self._quarantined[table] += len(rows)
        return dlt.mark.with_hints(rows, _quarantine_hints(), create_table_variant=True)

    @property
    def read(self) -> dict[str, int]:
        """Rows read per table so far."""
        with self._lock:
            return dict(self._read)

    @property
    def quarantined(self) -> dict[str, int]:
        """Rows quarantined per table so far."""
        with self._lock:
            return dict(self._quarantined)

    def reconcile(self, loaded: dict[str, int]) -> list[TableReconciliation]:
        """The balance of every table this ledger counted, given rows loaded per table."""
        read, quarantined = self.read, self.quarantined
        return [
            TableReconciliation(table, read.get(table, 0), loaded.get(table, 0), quarantined.get(table, 0))
            for table in sorted(set(read) | set(quarantined))
        ]


def _as_text(raw_text: str | bytes | None) -> tuple[str | None, str]:
    """Raw bytes or text made storable: undecodable bytes escaped, NUL bytes shown, long text cut."""
    if raw_text is None:
        return None, ""
    if isinstance(raw_text, bytes):
        raw_text = raw_text.decode("utf-8", errors="backslashreplace")
    raw_text = raw_text.replace("\x00", "\\x00")
    if len(raw_text) > MAX_RAW_TEXT:
        return raw_text[:MAX_RAW_TEXT], f" (raw text cut at {MAX_RAW_TEXT} of {len(raw_text)} characters)"
    return raw_text, ""


def quarantine_row(table: str, origin: str, raw_text: str | bytes | None, reason: str) -> dict[str, Any]:
    """One quarantine row: the table it was meant for, where it came from, its raw text and why."""
    text, note = _as_text(raw_text)
    return {
        "table_name": table,
        "origin": origin,
        "raw_text": text,
        "reason": reason + note,
        "quarantined_at": datetime.now(UTC).replace(tzinfo=None),
    }


def _quarantine_hints() -> Any:
    """The quarantine table's own hints: append-only, its own columns, no key."""
    return dlt.mark.make_hints(
        table_name=QUARANTINE_TABLE,
        write_disposition="append",
        columns=QUARANTINE_COLUMNS,
        primary_key=[],
        merge_key=[],
    )


def with_quarantine(resource: DltResource) -> DltResource:
    """Let ``resource`` yield quarantine items: registers ``quarantine`` as a table variant of its own.

    Quarantine items are table variants, so their hints never leak into the resource's table. A variant
    starts from the resource's hints, so it is registered first without the resource's columns, key and
    merge disposition; a resource that quarantines must be passed through here.
    """
    resource.apply_hints(
        table_name=QUARANTINE_TABLE,
        write_disposition="append",
        columns={},
        primary_key=[],
        merge_key=[],
        create_table_variant=True,
    )
    return resource
