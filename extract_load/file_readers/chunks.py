"""What a reader yields per chunk (good rows and rejects), and files cut into blocks of whole lines or records."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import pyarrow as pa

Rows = pa.Table | list[dict[str, Any]]
NUL = b"\x00"


class FileFormatError(ValueError):
    """The file as a whole cannot be read (bad header, corrupt container): nothing of it is loaded."""


@dataclass(frozen=True)
class Reject:
    """One record that cannot be loaded: its 1-based line (text) or row (Parquet, Avro), raw form and why."""

    position: int
    raw: bytes | str | None
    reason: str


@dataclass(frozen=True)
class ReadChunk:
    """The good rows of one chunk (an Arrow table or a list of dicts) and the records rejected beside them."""

    rows: Rows
    rejects: list[Reject]

    @property
    def read(self) -> int:
        """Records read in this chunk, good and bad alike."""
        return len(self.rows) + len(self.rejects)


def line_blocks(stream: IO[bytes], block_bytes: int) -> Iterator[tuple[int, list[bytes]]]:
    """(number of the first line, lines without their newline) in blocks of about ``block_bytes``.

    A line is never split across blocks, so memory holds one block plus the longest line. Blank lines are
    kept (as ``b""``) so line numbers stay true; the last line may lack its newline.
    """
    if block_bytes < 1:
        raise ValueError(f"block_bytes must be positive, got {block_bytes}")
    pending: list[bytes] = []  # a line longer than one block, in pieces
    next_line = 1
    while data := stream.read(block_bytes):
        cut = data.rfind(b"\n")
        if cut < 0:
            pending.append(data)
            continue
        lines = b"".join((*pending, data[:cut])).split(b"\n")
        pending = [data[cut + 1 :]] if cut + 1 < len(data) else []
        yield next_line, lines
        next_line += len(lines)
    if pending:
        yield next_line, [b"".join(pending)]


# A quoted value left open (a stray quote) would otherwise hold the rest of the file as one record: past this
# size its lines are released one by one, each then read (and rejected) on its own.
MAX_RECORD_BYTES = 64 << 20


def record_blocks(
    stream: IO[bytes], block_bytes: int, quote: bytes = b'"', max_record_bytes: int = MAX_RECORD_BYTES
) -> Iterator[tuple[list[int], list[bytes]]]:
    """(first line number of each record, records without their last newline) in blocks of whole records.

    A record is cut at a newline outside quotes (RFC 4180): a quoted value holding newlines stays one record,
    even across blocks. Quotes are balanced per record (a doubled quote counts twice), so a record open at
    the end of the file, or longer than ``max_record_bytes``, is released as its separate lines.
    """
    pending: list[bytes] = []  # the lines of a record whose quotes are still open
    pending_first = pending_bytes = 0
    for first, lines in line_blocks(stream, block_bytes):
        numbers: list[int] = []
        records: list[bytes] = []
        for number, line in enumerate(lines, first):
            odd = quote in line and line.count(quote) % 2 == 1
            if not pending:
                if odd:
                    pending, pending_first, pending_bytes = [line], number, len(line)
                else:
                    numbers.append(number)
                    records.append(line)
                continue
            pending.append(line)
            pending_bytes += len(line) + 1
            if odd:
                numbers.append(pending_first)
                records.append(b"\n".join(pending))
                pending = []
            elif pending_bytes > max_record_bytes:
                numbers += range(pending_first, pending_first + len(pending))
                records += pending
                pending = []
        if records:
            yield numbers, records
    if pending:
        yield list(range(pending_first, pending_first + len(pending))), pending
