"""JSON Lines (plain or gzipped: the caller opens the stream), one object per line, parsed with orjson.

A line that is not valid UTF-8, not valid JSON, not an object, holds a NUL character, gives one key twice in
an object, nests objects and arrays too deeply or holds a value that does not read as its declared type is
rejected with its line number and raw bytes. Blank lines are not records, and a byte-order mark before the
first line is not part of it. orjson keeps the last of duplicate keys and reads integers beyond 64 bits
as floats, so a line that may hold either is parsed again with the standard library, which keeps them exact.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

import orjson

from .chunks import NUL, UTF8_BOM, ReadChunk, Reject, line_blocks
from .columns import ColumnRules, check_record

JSON_TYPES = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}
# orjson reads an integer beyond int64 and uint64 as a float at least this wide. The end of a key in the raw
# text ('"' then ':'), and a blank after a quote, without which every key end is '":'.
_WIDE_FLOAT = 2.0**63
_KEY_END = re.compile(rb'"[ \t\r\n]*:')
_QUOTE_BLANK = re.compile(rb'"[ \t\r]')
# dlt makes a child table per level of nested arrays (on DuckDB their file names outgrow the file system near
# 40 levels) and writes rows with orjson, which refuses 255 levels: a deeper line would fail the whole run.
MAX_NESTING = 32


class DuplicateKeyError(ValueError):
    """One JSON object gives the same key twice."""

    def __init__(self, key: str) -> None:
        super().__init__(f"duplicate key {key!r} in one JSON object (which value is meant cannot be told)")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object from its key-value pairs, failing on a key given twice instead of keeping the last."""
    value: dict[str, Any] = {}
    for key, item in pairs:
        if key in value:
            raise DuplicateKeyError(key)
        value[key] = item
    return value


def _key_count(value: Any) -> int:
    """Keys in every object of a parsed JSON value, nested ones included."""
    if isinstance(value, dict):
        return len(value) + sum(_key_count(item) for item in value.values() if isinstance(item, dict | list))
    if isinstance(value, list):
        return sum(_key_count(item) for item in value if isinstance(item, dict | list))
    return 0


def _wide(values: Iterable[Any]) -> bool:
    """True when a float as wide as 2**63 is among the values, nested ones too: an integer orjson read inexactly."""
    for item in values:
        kind = type(item)
        if kind is float and abs(item) >= _WIDE_FLOAT:
            return True
        if (kind is list and _wide(item)) or (kind is dict and _wide(item.values())):
            return True
    return False


def _too_deep(line: bytes, value: dict[str, Any]) -> bool:
    """True when objects and arrays nest more than MAX_NESTING levels (the line's object is level 1)."""
    if line.count(b"{") + line.count(b"[") <= MAX_NESTING:
        return False
    depth, level = 0, [value]
    while level:
        depth += 1
        if depth > MAX_NESTING:
            return True
        level = [
            item
            for container in level
            for item in (container.values() if type(container) is dict else container)
            if type(item) is dict or type(item) is list
        ]
    return False


def _parse(line: bytes) -> Any:
    """A line's JSON value: orjson's, or the standard library's when a key may repeat or an integer be long.

    Each key ends with '"' then ':' in the raw text (blanks between only if a quote is followed by one), and
    only escaped quotes inside strings add more: as many keys parsed as key ends proves no key repeats. A flat
    object is settled by its length. Values other than objects are rejected whatever they hold; an object nested
    too deeply is refused before anything walks it.
    """
    value = orjson.loads(line)
    if type(value) is not dict:
        return value
    if _too_deep(line, value):
        raise ValueError(f"objects and arrays nested deeper than {MAX_NESTING} levels")
    ends = len(_KEY_END.findall(line)) if _QUOTE_BLANK.search(line) else line.count(b'":')
    if (ends > len(value) and _key_count(value) < ends) or _wide(value.values()):
        return json.loads(line, object_pairs_hook=_unique_keys)
    return value


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
        value = _parse(line)
    except orjson.JSONDecodeError as error:
        return None, _undecodable(line, error)
    except ValueError as error:  # a duplicate key, a number too long for Python to read, too deep a value
        return None, str(error)
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
        if first == 1:
            lines[0] = lines[0].removeprefix(UTF8_BOM)
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
