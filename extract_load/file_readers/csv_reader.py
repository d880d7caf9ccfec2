"""CSV with a header, streamed in blocks of whole lines: pyarrow parses a clean block in one call.

Every value is read as text, then declared columns are cast (see ``columns``). A block that is not clean
(invalid UTF-8, NUL bytes, blank lines, a line pyarrow cannot parse as one record) is checked line by line:
bad lines are rejected with their line number and raw bytes, the rest is parsed again, halving the set on
each failure so only the bad lines are singled out. A record is one line: a quoted value that spans lines
is rejected (its quotes do not balance on the line), never silently joined.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from typing import IO

import pyarrow as pa
import pyarrow.csv as pacsv

from extract_load.column_names import ColumnNameCollisionError, colliding_names

from .chunks import NUL, FileFormatError, ReadChunk, Reject, line_blocks
from .columns import ColumnRules, cast_table

UTF8_BOM = b"\xef\xbb\xbf"
Numbered = list[tuple[int, bytes]]


def header_names(line: bytes, rules: ColumnRules) -> list[str]:
    """Column names from the header line; raises when they are unreadable, collide or lack a key."""
    try:
        text = line.removeprefix(UTF8_BOM).removesuffix(b"\r").decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileFormatError(
            f"the CSV header is not valid UTF-8 ({error.reason} at byte {error.start})"
        ) from None
    names = next(csv.reader([text]), [])
    if not names or any(not name.strip() for name in names):
        raise FileFormatError(f"the CSV header has an empty column name: {text!r}")
    collisions = colliding_names(names)
    for name in {name for name in names if names.count(name) > 1}:
        collisions.setdefault(name, [name, name])
    if collisions:
        raise ColumnNameCollisionError(rules.table, collisions)
    missing = rules.missing_required(names)
    if missing:
        raise FileFormatError(f"the CSV header lacks required column(s) {missing}: {text!r}")
    return names


def parse(data: bytes, names: Sequence[str]) -> tuple[pa.Table | None, list[str]]:
    """All columns as text, and the problems pyarrow reported (the table is None if parsing failed)."""
    problems: list[str] = []

    def invalid_row(row: pacsv.InvalidRow) -> str:
        problems.append(f"expected {row.expected_columns} columns, got {row.actual_columns}")
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=list(names), use_threads=False),
            parse_options=pacsv.ParseOptions(invalid_row_handler=invalid_row),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        return None, [*problems, f"cannot be parsed as CSV: {error}"]
    return table, problems


def line_problem(line: bytes) -> str | None:
    """Why a line cannot be a record before parsing it, or None."""
    if NUL in line:
        return f"NUL byte at byte {line.index(NUL)}"
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"invalid UTF-8 ({error.reason} at byte {error.start})"
    if line.count(b'"') % 2:
        return "unbalanced quotes (a quoted value may not span lines)"
    return None


def parse_lines(lines: Numbered, names: Sequence[str]) -> tuple[list[pa.Table], Numbered, list[Reject]]:
    """Tables of the lines pyarrow parses one record each, those lines, and the other lines rejected."""
    if not lines:
        return [], [], []
    table, problems = parse(b"\n".join(line for _, line in lines), names)
    if table is not None and not problems and table.num_rows == len(lines):
        return [table], lines, []
    if len(lines) == 1:
        number, line = lines[0]
        reason = problems[0] if problems else "does not parse as exactly one CSV record"
        return [], [], [Reject(number, line, reason)]
    half = len(lines) // 2
    tables, good, rejects = parse_lines(lines[:half], names)
    more_tables, more_good, more_rejects = parse_lines(lines[half:], names)
    return tables + more_tables, good + more_good, rejects + more_rejects


def _is_clean(data: bytes, lines: list[bytes]) -> bool:
    """True when a block can go to pyarrow whole: UTF-8, no NUL byte, no blank line."""
    if b"\x00" in data or any(not line or line == b"\r" for line in lines):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _check_lines(
    first: int, lines: list[bytes], names: Sequence[str]
) -> tuple[list[pa.Table], Numbered, list[Reject]]:
    """The slow path for a block: reject bad lines one by one, then parse the others (halving on failure)."""
    checked = [(number, line.removesuffix(b"\r")) for number, line in enumerate(lines, first)]
    records = [(number, line) for number, line in checked if line]  # blank lines are not records
    rejects = [Reject(n, line, reason) for n, line in records if (reason := line_problem(line))]
    rejected = {reject.position for reject in rejects}
    tables, good, more = parse_lines([record for record in records if record[0] not in rejected], names)
    return tables, good, rejects + more


def read_block(first: int, lines: list[bytes], names: Sequence[str], rules: ColumnRules) -> ReadChunk:
    """Good rows (declared columns cast) and rejects of one block of lines numbered from ``first``."""
    data = b"\n".join(lines)
    table, problems = parse(data, names) if _is_clean(data, lines) else (None, ["not clean"])
    if table is not None and not problems and table.num_rows == len(lines):
        tables, good, rejects = [table], None, []  # row i is line first + i
    else:
        tables, good, rejects = _check_lines(first, lines, names)
    if not tables:
        return ReadChunk([], sorted(rejects, key=lambda reject: reject.position))
    cast, bad = cast_table(pa.concat_tables(tables), rules)
    for position, reason in bad.items():
        number, line = good[position] if good is not None else (first + position, lines[position])
        rejects.append(Reject(number, line.removesuffix(b"\r"), reason))
    return ReadChunk(cast, sorted(rejects, key=lambda reject: reject.position))


def read_csv(stream: IO[bytes], rules: ColumnRules, block_bytes: int) -> Iterator[ReadChunk]:
    """Chunks of a CSV file with a header line; line numbers count the header as line 1."""
    names: list[str] | None = None
    for first, lines in line_blocks(stream, block_bytes):
        if names is None:
            names = header_names(lines[0], rules)
            first, lines = first + 1, lines[1:]
        if lines:
            yield read_block(first, lines, names, rules)
