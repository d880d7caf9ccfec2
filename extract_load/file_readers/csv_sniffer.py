"""The delimiter of a CSV drop declared ``delimiter: auto``, told from each file's first records.

A candidate (comma, semicolon, tab, pipe) qualifies when it splits the first record into at least two fields
and every sampled record into as many (quotes respected). Exactly one must qualify: none, or two that both
split evenly, is a ``FileFormatError`` saying to declare the delimiter, never a guess.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from .chunks import FileFormatError

AUTO = "auto"
CANDIDATES = (",", ";", "\t", "|")
SAMPLE_RECORDS = 50


def _fields(record: bytes, delimiter: str, quote_char: str) -> int:
    """How many fields one record splits into."""
    text = record.removesuffix(b"\r").decode("utf-8", errors="replace")
    return len(next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quote_char), []))


def sniff_delimiter(records: Sequence[bytes], quote_char: str = '"') -> str:
    """The one candidate that splits the sampled records evenly into two fields or more."""
    sample = [record for record in records[:SAMPLE_RECORDS] if record.strip()]
    if not sample:
        raise FileFormatError("cannot tell the CSV delimiter of an empty file: declare csv.delimiter")
    qualified = []
    for delimiter in CANDIDATES:
        counts = {_fields(record, delimiter, quote_char) for record in sample}
        if len(counts) == 1 and counts.pop() >= 2:
            qualified.append(delimiter)
    if len(qualified) == 1:
        return qualified[0]
    shown = ", ".join(repr(delimiter) for delimiter in (qualified or CANDIDATES))
    why = f"{shown} all split every sampled record evenly" if qualified else f"none of {shown} fits"
    raise FileFormatError(f"cannot tell the CSV delimiter ({why}): declare csv.delimiter")
