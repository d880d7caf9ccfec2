"""CSV records per RFC 4180 and per the declared dialect: quoted newlines, long fields, other delimiters."""

from __future__ import annotations

import io

import pyarrow as pa
import pytest

from extract_load.file_readers import ColumnRules, FileFormatError, read_csv
from extract_load.file_readers.chunks import record_blocks
from extract_load.file_readers.csv_reader import CsvDialect

RULES = ColumnRules.from_hints("notes", {"id": {"data_type": "bigint"}}, "id")


def _read(data: bytes, block_bytes: int = 1 << 20, dialect: CsvDialect | None = None) -> tuple[list, list]:
    """Every good row (as dicts) and every reject (line, raw, reason) of a CSV file."""
    rows, rejects = [], []
    for chunk in read_csv(io.BytesIO(data), RULES, block_bytes, dialect or CsvDialect()):
        rows += chunk.rows.to_pylist() if isinstance(chunk.rows, pa.Table) else chunk.rows
        rejects += [(r.position, r.raw, r.reason) for r in chunk.rejects]
    return rows, rejects


@pytest.mark.parametrize("block_bytes", [1 << 20, 7])
def test_quoted_values_with_newlines_are_one_record_each(block_bytes: int) -> None:
    body = b'1,"first\nsecond"\n2,"a ""quoted"" word"\n3,"x\r\n\r\ny"\n4,plain\n5,"open\n'
    rows, rejects = _read(b"id,note\n" + body, block_bytes)
    assert rows == [
        {"id": 1, "note": "first\nsecond"},
        {"id": 2, "note": 'a "quoted" word'},
        {"id": 3, "note": "x\r\n\r\ny"},
        {"id": 4, "note": "plain"},
    ]
    # the record left open at the end of the file is rejected by the number of the line it starts on
    assert [(line, reason.split(" (")[0]) for line, _, reason in rejects] == [(9, "unbalanced quotes")]


def test_line_numbers_count_the_lines_inside_records() -> None:
    rows, rejects = _read(b'id,note\n1,"a\nb\nc"\nx,late\n')
    assert rows == [{"id": 1, "note": "a\nb\nc"}]
    assert [(line, raw) for line, raw, _ in rejects] == [(5, b"x,late")]


def test_a_header_with_a_newline_in_a_quoted_name() -> None:
    rows, rejects = _read(b'id,"long\nname"\n1,v\n')
    assert rows == [{"id": 1, "long\nname": "v"}] and rejects == []


def test_a_long_field_spanning_many_blocks() -> None:
    long = "word, " * 5_000 + "\n" + "more " * 5_000
    data = b'id,note\n1,"' + long.encode() + b'"\n2,short\n'
    rows, rejects = _read(data, 1_024)
    assert rows == [{"id": 1, "note": long}, {"id": 2, "note": "short"}] and rejects == []


def test_a_declared_delimiter_and_quote() -> None:
    data = b"id;note\n1;'a;b'\n2;'it''s'\n3;plain\n"
    rows, rejects = _read(data, dialect=CsvDialect(delimiter=";", quote_char="'"))
    assert rows == [{"id": 1, "note": "a;b"}, {"id": 2, "note": "it's"}, {"id": 3, "note": "plain"}]
    assert rejects == []


def test_a_semicolon_file_read_with_the_default_dialect_is_rejected_not_misread() -> None:
    with pytest.raises(FileFormatError, match="lacks required column"):
        _read(b"id;note\n1;a\n")


def test_a_declared_encoding_is_decoded_and_an_undecodable_byte_fails_the_file() -> None:
    rows, _ = _read("id,note\n1,café\n".encode("latin-1"), 4, CsvDialect(encoding="latin-1"))
    assert rows == [{"id": 1, "note": "café"}]
    with pytest.raises(FileFormatError, match=r"not valid cp1252 .* at byte 10"):
        _read(b"id,note\n1,\x81\n", dialect=CsvDialect(encoding="cp1252"))


def test_a_file_without_a_header_takes_the_declared_names() -> None:
    rows, rejects = _read(b"1,a\n2,b\n", dialect=CsvDialect(names=("id", "note")))
    assert rows == [{"id": 1, "note": "a"}, {"id": 2, "note": "b"}] and rejects == []


def test_record_blocks_cut_only_outside_quotes() -> None:
    data = b'a,"1\n2"\nb,3\nc,"4\n\n5"\n'
    blocks = list(record_blocks(io.BytesIO(data), 3))
    numbers = [n for block in blocks for n in block.numbers]
    records = [r for block in blocks for r in block.records]
    assert records == [b'a,"1\n2"', b"b,3", b'c,"4\n\n5"']
    assert numbers == [1, 3, 4] and all(block.balanced for block in blocks)


def test_a_stray_quote_holds_at_most_max_record_bytes() -> None:
    data = b'a,5" screen\n' + b"b,2\n" * 10
    blocks = list(record_blocks(io.BytesIO(data), 8, max_record_bytes=20))
    records = [r for block in blocks for r in block.records]
    assert records == [b'a,5" screen'] + [b"b,2"] * 10
    assert not blocks[0].balanced and blocks[0].records[0] == b'a,5" screen'
    assert all(block.balanced for block in blocks[1:])


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"], ids=["comma", "semicolon", "tab", "pipe"])
def test_an_auto_delimiter_is_told_from_the_file(delimiter: str) -> None:
    data = f'id{delimiter}note\n1{delimiter}"a, b; c"\n2{delimiter}plain\n'.encode()
    rows, rejects = _read(data, dialect=CsvDialect(delimiter="auto"))
    assert rows == [{"id": 1, "note": "a, b; c"}, {"id": 2, "note": "plain"}] and rejects == []


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"id\n1\n2\n", "none of"),  # one column: no candidate splits it
        (b"id,a;b\n1,x;y\n2,z;w\n", "all split every sampled record evenly"),  # ',' and ';' both fit
        (b"id;note\n1;x\n2;y;z\n", "none of"),  # no candidate splits every record alike
    ],
    ids=["one-column", "ambiguous", "ragged"],
)
def test_an_auto_delimiter_that_cannot_be_told_fails_saying_to_declare_it(data: bytes, reason: str) -> None:
    with pytest.raises(
        FileFormatError, match=f"cannot tell the CSV delimiter .*{reason}.*declare csv.delimiter"
    ):
        _read(data, dialect=CsvDialect(delimiter="auto"))
