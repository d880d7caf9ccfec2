"""JSON Lines (plain or gzipped: the caller opens the stream), one object per line, parsed with orjson.

A line that is not valid UTF-8, not valid JSON, not an object, holds a NUL character or a value that does not
read as its declared type is rejected with its line number and raw bytes. Blank lines are not records.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import orjson

from .chunks import NUL, ReadChunk, Reject, line_blocks
from .columns import ColumnRules, check_record

JSON_TYPES = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}


def _has_nul(value: Any) -> bool:
    """True when a parsed JSON value holds a NUL character in any string, key or nested value."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any("\x00" in key or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _undecodable(line: bytes, error: orjson.JSONDecodeError) -> str:
    """Why orjson refused a line: its bytes are not UTF-8, or its text is not JSON."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as bad:
        return f"invalid UTF-8 ({bad.reason} at byte {bad.start})"
    return f"invalid JSON: {error}"


def line_reason(line: bytes, rules: ColumnRules) -> tuple[dict[str, Any] | None, str | None]:
    """A line's record (declared columns coerced) or the reason it is rejected."""
    if NUL in line:
        return None, f"NUL byte at byte {line.index(NUL)}"
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        return None, _undecodable(line, error)
    if not isinstance(value, dict):
        kind = "null" if value is None else JSON_TYPES.get(type(value), type(value).__name__)
        return None, f"not a JSON object (got {kind})"
    if b"\\u0000" in line and _has_nul(value):
        return None, "NUL character (\\u0000) in a value"
    reason = check_record(value, rules)
    return (None, reason) if reason else (value, None)


def read_jsonl(stream: IO[bytes], rules: ColumnRules, block_bytes: int) -> Iterator[ReadChunk]:
    """Chunks of a JSON Lines file: good records as dicts, bad lines as rejects."""
    for first, lines in line_blocks(stream, block_bytes):
        rows: list[dict[str, Any]] = []
        rejects: list[Reject] = []
        for number, line in enumerate(lines, first):
            if not line or line.isspace():
                continue
            record, reason = line_reason(line, rules)
            if record is None:
                rejects.append(Reject(number, line, reason or "rejected"))
            else:
                rows.append(record)
        if rows or rejects:
            yield ReadChunk(rows, rejects)
