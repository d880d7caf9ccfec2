"""What a reader yields per chunk (good rows and rejects), and files cut into blocks of whole lines or records."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import IO, Any, NamedTuple

import pyarrow as pa

Rows = pa.Table | list[dict[str, Any]]
NUL = b"\x00"
UTF8_BOM = b"\xef\xbb\xbf"  # a byte-order mark some tools write at the start of a UTF-8 file


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


def text_blocks(stream: IO[bytes], block_bytes: int) -> Iterator[tuple[int, bytes, list[bytes]]]:
    """(number of the first line, the block's text, its lines without their newline) in blocks of about
    ``block_bytes``.

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
        text = b"".join((*pending, data[:cut]))
        lines = text.split(b"\n")
        pending = [data[cut + 1 :]] if cut + 1 < len(data) else []
        yield next_line, text, lines
        next_line += len(lines)
    if pending:
        text = b"".join(pending)
        yield next_line, text, [text]


def line_blocks(stream: IO[bytes], block_bytes: int) -> Iterator[tuple[int, list[bytes]]]:
    """(number of the first line, lines without their newline) in blocks of about ``block_bytes``."""
    for first, _, lines in text_blocks(stream, block_bytes):
        yield first, lines


# A quoted value left open (a stray quote) would otherwise hold the rest of the file as one record: past this
# size its lines are released one by one, each then read (and rejected) on its own.
MAX_RECORD_BYTES = 64 << 20


class RecordBlock(NamedTuple):
    """Records (without their last newline), the line each starts on, whether their quotes balance, and the
    records joined by newlines when the block is the file's text as read (None otherwise)."""

    numbers: list[int]
    records: list[bytes]
    balanced: bool = True
    text: bytes | None = None


@lru_cache(maxsize=8)
def _not_quote_or_newline(quote: bytes) -> bytes:
    """Every byte but the quote and the newline (what ``bytes.translate`` deletes to count quotes per line)."""
    return bytes(byte for byte in range(256) if byte not in (quote[0], 10))


def _odd_lines(text: bytes, quote: bytes) -> Iterator[int]:
    """Indices of the lines of ``text`` holding an odd number of ``quote`` (one byte), in order.

    Everything but quotes and newlines is deleted and pairs of quotes removed: a quote left marks a line.
    """
    reduced = text.translate(None, _not_quote_or_newline(quote)).replace(quote + quote, b"")
    line = offset = 0
    position = reduced.find(quote)
    while position >= 0:
        line += reduced.count(b"\n", offset, position)
        offset = position
        yield line
        position = reduced.find(quote, position + 1)


def record_blocks(
    stream: IO[bytes], block_bytes: int, quote: bytes = b'"', max_record_bytes: int = MAX_RECORD_BYTES
) -> Iterator[RecordBlock]:
    """Blocks of whole records: a record is cut at a newline outside quotes (RFC 4180); ``quote`` is one byte.

    A quoted value holding newlines stays one record, even across blocks. Quotes balance per record (a
    doubled quote counts twice); a record still open at the end of the file, or longer than about
    ``max_record_bytes``, is released as its separate lines, in a block of its own marked unbalanced.
    """
    pending: list[bytes] = []  # the lines of a record whose quotes are still open
    pending_first = 0
    for first, text, lines in text_blocks(stream, block_bytes):
        if not pending and quote not in text:
            yield RecordBlock(list(range(first, first + len(lines))), lines, True, text)
            continue
        odd = _odd_lines(text, quote)
        numbers: list[int] = []
        records: list[bytes] = []
        start = 0
        if pending:
            close = next(odd, None)
            if close is None:
                pending += lines
                if sum(map(len, pending)) + len(pending) > max_record_bytes:
                    yield RecordBlock(
                        list(range(pending_first, pending_first + len(pending))), pending, False
                    )
                    pending = []
                continue
            records.append(b"\n".join([*pending, *lines[: close + 1]]))
            numbers.append(pending_first)
            pending, start = [], close + 1
        for opener in odd:
            records += lines[start:opener]
            numbers += range(first + start, first + opener)
            close = next(odd, None)
            if close is None:
                pending, pending_first, start = lines[opener:], first + opener, len(lines)
                break
            records.append(b"\n".join(lines[opener : close + 1]))
            numbers.append(first + opener)
            start = close + 1
        records += lines[start:]
        numbers += range(first + start, first + len(lines))
        if records:
            yield RecordBlock(numbers, records)
    if pending:
        yield RecordBlock(list(range(pending_first, pending_first + len(pending))), pending, False)
