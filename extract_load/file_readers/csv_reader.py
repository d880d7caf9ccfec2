"""CSV streamed in blocks of whole records (RFC 4180): pyarrow parses a clean block in one call.

A record ends at a newline outside quotes, so a quoted value may hold newlines (also in the header, also
across blocks). The dialect (delimiter, quote character, encoding, header) is declared per drop (a delimiter
of ``auto`` is told from each file, see ``csv_sniffer``); a file in
another encoding is decoded to UTF-8 as it is read, and a byte that does not decode fails the whole file.
Every value is read as text, then declared columns are cast (see ``columns``). A block that is not clean
(invalid UTF-8, NUL bytes, blank lines, a record pyarrow cannot parse as one) is checked record by record:
bad records are rejected with the number of their first line and their raw bytes, the rest is parsed again,
halving the set on each failure so only the bad records are singled out.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import IO

import pyarrow as pa
import pyarrow.csv as pacsv

from extract_load.column_names import ColumnNameCollisionError, colliding_names

from .chunks import NUL, UTF8_BOM, FileFormatError, ReadChunk, Reject, record_blocks
from .columns import ColumnRules, cast_table
from .csv_sniffer import AUTO, sniff_delimiter

UTF8 = ("utf-8", "utf8", "utf_8")
BLANK = (b"", b"\r")  # a blank line, as a record
Numbered = list[tuple[int, bytes]]


@dataclass(frozen=True)
class CsvDialect:
    """How a drop's CSV files are written; ``names`` replaces the header when the files have none."""

    delimiter: str = ","
    quote_char: str = '"'
    encoding: str = "utf-8"
    names: tuple[str, ...] | None = None

    @property
    def quote(self) -> bytes:
        """The quote character as bytes (the text is UTF-8 by the time records are cut)."""
        return self.quote_char.encode("utf-8")


DEFAULT_DIALECT = CsvDialect()


class Utf8Stream:
    """A binary stream in another encoding, read as UTF-8 bytes; an undecodable byte fails the file."""

    def __init__(self, stream: IO[bytes], encoding: str) -> None:
        self.stream = stream
        self.encoding = encoding
        self.decoder = codecs.getincrementaldecoder(encoding)()
        self.offset = 0

    def read(self, size: int) -> bytes:
        """Up to about ``size`` bytes of the file, as UTF-8 (empty only at the end)."""
        while True:
            data = self.stream.read(size)
            try:
                text = self.decoder.decode(data, final=not data)
            except UnicodeDecodeError as error:
                at = self.offset + error.start
                raise FileFormatError(
                    f"not valid {self.encoding} ({error.reason} at byte {at}): declare the file's encoding"
                ) from None
            self.offset += len(data)
            if text or not data:
                return text.encode("utf-8")


def header_names(record: bytes, rules: ColumnRules, dialect: CsvDialect = DEFAULT_DIALECT) -> list[str]:
    """Column names from the header record; raises when they are unreadable, collide or lack a key."""
    try:
        text = record.removeprefix(UTF8_BOM).removesuffix(b"\r").decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileFormatError(
            f"the CSV header is not valid UTF-8 ({error.reason} at byte {error.start})"
        ) from None
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=dialect.delimiter, quotechar=dialect.quote_char
    )
    names = next(reader, [])
    if not names or any(not name.strip() for name in names):
        raise FileFormatError(f"the CSV header has an empty column name: {text!r}")
    if next(reader, None) is not None:  # the file's lines end with a bare carriage return, never cut
        first = text.partition("\r")[0]
        raise FileFormatError(
            "the CSV header record holds more than one line (ended by a bare carriage return, \\r): "
            f"{first!r}; lines must end with \\n or \\r\\n"
        )
    return checked_names(names, rules, text)


def checked_names(names: list[str], rules: ColumnRules, text: str) -> list[str]:
    """The column names, unless two collide or a required column is missing."""
    collisions = colliding_names(names)
    for name in {name for name in names if names.count(name) > 1}:
        collisions.setdefault(name, [name, name])
    if collisions:
        raise ColumnNameCollisionError(rules.table, collisions)
    missing = rules.missing_required(names)
    if missing:
        raise FileFormatError(f"the CSV header lacks required column(s) {missing}: {text!r}")
    return names


def parse(
    data: bytes, names: Sequence[str], dialect: CsvDialect = DEFAULT_DIALECT
) -> tuple[pa.Table | None, list[str]]:
    """All columns as text, and the problems pyarrow reported (the table is None if parsing failed)."""
    problems: list[str] = []

    def invalid_row(row: pacsv.InvalidRow) -> str:
        problems.append(f"expected {row.expected_columns} columns, got {row.actual_columns}")
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=list(names), use_threads=False),
            parse_options=pacsv.ParseOptions(
                delimiter=dialect.delimiter,
                quote_char=dialect.quote_char,
                newlines_in_values=True,
                invalid_row_handler=invalid_row,
            ),
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


def record_problem(record: bytes, quote: bytes = b'"') -> str | None:
    """Why a record cannot be one before parsing it, or None."""
    if NUL in record:
        return f"NUL byte at byte {record.index(NUL)}"
    try:
        record.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"invalid UTF-8 ({error.reason} at byte {error.start})"
    if record.count(quote) % 2:
        return "unbalanced quotes (a quoted value is not closed)"
    return None


def parse_records(
    records: Numbered, names: Sequence[str], dialect: CsvDialect
) -> tuple[list[pa.Table], Numbered, list[Reject]]:
    """Tables of the records pyarrow parses one row each, those records, and the other records rejected."""
    if not records:
        return [], [], []
    table, problems = parse(b"\n".join(record for _, record in records), names, dialect)
    if table is not None and not problems and table.num_rows == len(records):
        return [table], records, []
    if len(records) == 1:
        number, record = records[0]
        reason = problems[0] if problems else "does not parse as exactly one CSV record"
        return [], [], [Reject(number, record, reason)]
    half = len(records) // 2
    tables, good, rejects = parse_records(records[:half], names, dialect)
    more_tables, more_good, more_rejects = parse_records(records[half:], names, dialect)
    return tables + more_tables, good + more_good, rejects + more_rejects


def _is_clean(data: bytes, records: list[bytes]) -> bool:
    """True when a block can go to pyarrow whole: UTF-8, no NUL byte, no blank line."""
    if b"\x00" in data:
        return False
    may_be_blank = not data or data[:1] in b"\r\n" or b"\n\n" in data or b"\n\r" in data
    if may_be_blank and any(not record or record == b"\r" for record in records):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _check_records(
    numbered: Numbered, names: Sequence[str], dialect: CsvDialect
) -> tuple[list[pa.Table], Numbered, list[Reject]]:
    """The slow path for a block: reject bad records one by one, then parse the others (halving on failure)."""
    checked = [(number, record.removesuffix(b"\r")) for number, record in numbered]
    records = [(number, record) for number, record in checked if record]  # blank lines are not records
    rejects = [Reject(n, rec, reason) for n, rec in records if (reason := record_problem(rec, dialect.quote))]
    rejected = {reject.position for reject in rejects}
    tables, good, more = parse_records([r for r in records if r[0] not in rejected], names, dialect)
    return tables, good, rejects + more


def read_block(
    numbers: list[int],
    records: list[bytes],
    names: Sequence[str],
    rules: ColumnRules,
    dialect: CsvDialect = DEFAULT_DIALECT,
    balanced: bool = True,
    text: bytes | None = None,
) -> ReadChunk:
    """Good rows (declared columns cast) and rejects of one block of records starting on lines ``numbers``;
    a block whose quotes do not balance is checked record by record. ``text``: the records joined, if known."""
    data = b"\n".join(records) if text is None else text
    clean = balanced and _is_clean(data, records)
    table, problems = parse(data, names, dialect) if clean else (None, ["not clean"])
    if table is not None and not problems and table.num_rows == len(records):
        tables, good, rejects = [table], None, []  # row i is record i
    else:
        tables, good, rejects = _check_records(list(zip(numbers, records, strict=True)), names, dialect)
    if not tables:
        return ReadChunk([], sorted(rejects, key=lambda reject: reject.position))
    cast, bad = cast_table(pa.concat_tables(tables), rules)
    for position, reason in bad.items():
        number, record = good[position] if good is not None else (numbers[position], records[position])
        rejects.append(Reject(number, record.removesuffix(b"\r"), reason))
    return ReadChunk(cast, sorted(rejects, key=lambda reject: reject.position))


def read_csv(
    stream: IO[bytes], rules: ColumnRules, block_bytes: int, dialect: CsvDialect = DEFAULT_DIALECT
) -> Iterator[ReadChunk]:
    """Chunks of a CSV file; line numbers count from the file's first line (the header, when it has one)."""
    if dialect.encoding.lower() not in UTF8:
        stream = Utf8Stream(stream, dialect.encoding)  # type: ignore[assignment]
    names = checked_names(list(dialect.names), rules, ",".join(dialect.names)) if dialect.names else None
    started = False
    for numbers, records, balanced, text in record_blocks(stream, block_bytes, dialect.quote):
        if not started:  # blank lines before the first record (the header) are not records either
            blank = next((i for i, record in enumerate(records) if record not in BLANK), len(records))
            if blank:
                numbers, records, text = numbers[blank:], records[blank:], None
            if not records:
                continue
            started = True
        if dialect.delimiter == AUTO:  # told from this file's first records, once
            dialect = replace(dialect, delimiter=sniff_delimiter(records, dialect.quote_char))
            text = None
        if names is None:
            names = header_names(records[0], rules, dialect)
            numbers, records, text = numbers[1:], records[1:], None
        if records:
            yield read_block(numbers, records, names, rules, dialect, balanced, text)
