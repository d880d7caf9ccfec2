"""The hostile-file corpus: one entry per file, its bytes built in code, and the outcome the pipeline owes it.

Each file lands as ``<drop>/<name>.<format>``: the format is the file's extension, whatever its bytes are.
Every row key of a file starts with ``<name>#`` (see ``hostile_builders``). Outcomes: ``Loads`` (rows loaded,
and lines or rows quarantined with a reason), ``Unreadable`` (the file quarantined whole, as one row with the
reason) and ``Fails`` (the run fails naming the colliding column names). The corpus is read with the demo's
declared drops, plus a declared bigint ``retweets`` in tweets and the supplier prices drop in four more CSV
dialects. Chunks are small, so records and rows cross read blocks and chunks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
from hostile_builders import (
    LONG_VALUE,
    LOYALTY,
    LOYALTY_FIELDS,
    MANY_TWEETS,
    PRICES_HEADER,
    Builder,
    avro_field,
    cut,
    decimal_field,
    events,
    joined,
    loyalty,
    nested,
    prices,
    text,
    tweets,
    zeroed,
)

from extract_load.file_readers.chunks import UTF8_BOM
from extract_load.files import FilesDeclaration
from extract_load.files.declaration import check_drop
from extract_load.registry import declaration_of

FORMAT_DROPS = {
    "csv": "supplier_prices",
    "jsonl": "tweets",
    "jsonl.gz": "tweets",
    "parquet": "store_events",
    "avro": "loyalty_events",
}
DIALECTS = {
    "prices_semicolon": {"delimiter": ";"},
    "prices_auto": {"delimiter": "auto"},
    "prices_latin1": {"encoding": "latin-1"},
    "prices_cp1252": {"encoding": "cp1252"},
}
CHUNK_BYTES, CHUNK_ROWS = 256, 4


def corpus_declaration() -> FilesDeclaration:
    """The demo's drops, a declared bigint ``retweets`` in tweets, and supplier prices in other dialects."""
    demo = declaration_of("jaffle_files")
    tweets_drop, prices_drop = demo.drops["tweets"], demo.drops["supplier_prices"]
    columns = {**tweets_drop["columns"], "retweets": {"data_type": "bigint"}}
    drops = {**demo.drops, "tweets": {**tweets_drop, "columns": columns}}
    for table, dialect in DIALECTS.items():
        declared = {"glob": f"{table}/*.csv*", "format": "csv", "csv": dialect}
        declared |= {key: prices_drop[key] for key in ("primary_key", "columns")}
        drops[table] = check_drop(demo.path, f"drops.{table}", declared)
    return replace(demo, drops=drops)


@dataclass(frozen=True)
class Loads:
    """``rows`` rows load; each line (text) or row (Parquet, Avro) in ``rejects`` is quarantined with a reason
    holding the text given; ``values`` is a column and its loaded values in key order."""

    rows: int
    rejects: Mapping[int, str] = field(default_factory=dict)
    values: tuple[str, tuple[Any, ...]] | None = None


@dataclass(frozen=True)
class Unreadable:
    """The file is quarantined whole as one row whose reason holds ``reason``; the ``after`` records read
    before it broke load (and the reason says so)."""

    reason: str
    after: int = 0


@dataclass(frozen=True)
class Fails:
    """The run fails, its message holding each of ``names``; ``with_file`` is read in the same run."""

    names: tuple[str, ...]
    with_file: str | None = None


@dataclass(frozen=True)
class HostileFile:
    """One file: its name, format (extension), bytes, the outcome owed, its drop and a known defect if any."""

    name: str
    format: str
    build: Builder
    outcome: Loads | Unreadable | Fails
    table: str = ""  # the drop, when not the format's demo drop
    defect: str = ""  # a defect of the readers, not fixed: the outcome is the one owed, its test an xfail
    beside_clean: bool = False  # also run beside a clean file of its drop (such a pair once failed the run)

    @property
    def drop(self) -> str:
        """The table the file is read for."""
        return self.table or FORMAT_DROPS[self.format]

    @property
    def path(self) -> str:
        """The file's path under the landing folder."""
        return f"{self.drop}/{self.name}.{self.format}"


def row(values: str, end: str = "2017-01-01") -> str:
    """A supplier prices record ``{k}<values>,<valid_from>``."""
    return f"{{k}}{values},{end}"


SEMICOLONS = PRICES_HEADER.replace(",", ";")
NOT_BIGINT = "column 'cost_cents': cannot read 'x' as bigint"
BEYOND = "is beyond the 64-bit integer range (declare the column as decimal or text to keep it)"
NESTED = "(a nested value where a single value belongs: it is not flattened into new columns)"
NOT_CP1252 = "not valid cp1252 (character maps to <undefined> at byte 120): declare the file's encoding"
DECIMAL_DEFAULT = "does not fit the default decimal(38, 9) (declare the column as decimal or text to keep it"
TOO_DEEP = "objects and arrays nested deeper than 32 levels"
NOT_JSON = "invalid JSON: unexpected character, expected a JSON value: line 1 column 1 (char 0)"
GZIP_CUT = "cannot decompress the file: Compressed file ended before the end-of-stream marker was reached"
NO_PARQUET_FOOTER = "not a readable Parquet file: ArrowInvalid: Parquet magic bytes not found in footer"
NO_AVRO_HEADER = "not a readable Avro file: ValueError: cannot read header - is it an avro file?"
NO_DELIMITER = "cannot tell the CSV delimiter (none of ',', ';', '\\t', '|' fits): declare csv.delimiter"
DAY1, DAY2 = date(2017, 1, 1), date(2017, 1, 2)
TEN = datetime(2017, 1, 1, 10)

CSV = [
    HostileFile("csv_clean", "csv", prices(row("1,K1,Acme,10"), row("2,K2,Bolt,11")), Loads(2)),
    HostileFile(
        "csv_quoted_newlines",
        "csv",
        prices(
            row('1,K1,"Acme\nNorth",10'),
            row('2,K1,"Say ""hi""\nthen ""bye""",11'),
            row('3,K1,"a, b\n\nc",12'),
            row("4,K1,Acme,x"),
        ),
        Loads(3, {9: NOT_BIGINT}, ("supplier", ("Acme\nNorth", 'Say "hi"\nthen "bye"', "a, b\n\nc"))),
    ),
    HostileFile(
        "csv_quoted_crlf",
        "csv",
        prices(row('1,K1,"line one\r\nline two",10'), row("2,K1,plain,11"), end="\r\n"),
        Loads(2, values=("supplier", ("line one\r\nline two", "plain"))),
    ),
    HostileFile(
        "csv_header_newline",
        "csv",
        prices(
            row("1,K1,Acme,10"), row("2,K1,Acme,x"), header='supply_id,sku,"supp\nlier",cost_cents,valid_from'
        ),
        Loads(1, {4: NOT_BIGINT}, ("cost_cents", (10,))),
    ),
    HostileFile(
        "csv_long_field",
        "csv",
        prices(row(f'1,K1,"{LONG_VALUE}",10'), row("2,K1,short,11")),
        Loads(2, values=("supplier", (LONG_VALUE, "short"))),
    ),
    HostileFile(
        "csv_bom",
        "csv",
        prices(row("1,K1,Acme,10"), row("2,K1,Acme,11"), header="\ufeff" + PRICES_HEADER),
        Loads(2, values=("cost_cents", (10, 11))),
    ),
    HostileFile(
        "csv_crlf",
        "csv",
        prices(row("1,K1,Acme,10"), row("2,K1,Acme,11", "2017-01-02"), end="\r\n"),
        Loads(2, values=("valid_from", (DAY1, DAY2))),
    ),
    HostileFile(
        "csv_excel_export",
        "csv",
        prices(row("1,K1,Café,10"), row("2,K1,Acme,11"), "", "", header="\ufeff" + PRICES_HEADER, end="\r\n"),
        Loads(2, values=("supplier", ("Café", "Acme"))),
    ),
    HostileFile("csv_trailing_blank_lines", "csv", prices(row("1,K1,Acme,10"), "", "", ""), Loads(1)),
    HostileFile(
        "csv_leading_blank_lines",
        "csv",
        text(f"\n\r\n{PRICES_HEADER}\n{row('1,K1,Acme,10')}\n{row('2,K1,Acme,x')}\n"),
        Loads(1, {5: NOT_BIGINT}),
    ),
    HostileFile(
        "csv_ragged_rows",
        "csv",
        prices(row("1,K1,Acme,10"), "{k}2,K1,Acme,11", row("3,K1,Acme,12") + ",extra", "{k}4,K1"),
        Loads(
            1,
            {3: "expected 5 columns, got 4", 4: "expected 5 columns, got 6", 5: "expected 5 columns, got 2"},
        ),
    ),
    HostileFile(
        "csv_latin1_undeclared",
        "csv",
        prices(row("1,K1,Caf\xe9,10"), row("2,K1,Acme,11"), encoding="latin-1"),
        Loads(1, {2: "invalid UTF-8 (invalid continuation byte at byte 30)"}),
    ),
    HostileFile(
        "csv_latin1_declared",
        "csv",
        prices(row("1,K1,Café,10"), row("2,K1,Müller & Söhne,11"), encoding="latin-1"),
        Loads(2, values=("supplier", ("Café", "Müller & Söhne"))),
        table="prices_latin1",
    ),
    HostileFile(
        "csv_cp1252_declared",
        "csv",
        prices(row("1,K1,“Acme” – 5 €,10"), encoding="cp1252"),
        Loads(1, values=("supplier", ("“Acme” – 5 €",))),
        table="prices_cp1252",
    ),
    HostileFile(
        "csv_cp1252_undecodable",
        "csv",
        prices(row("1,K1,Acme,10"), row("2,K1,\x81cme,11"), encoding="latin-1"),
        Unreadable(NOT_CP1252),
        table="prices_cp1252",
    ),
    HostileFile(
        "csv_utf16",
        "csv",
        prices(row("1,K1,Acme,10"), encoding="utf-16"),
        Unreadable("the CSV header is not valid UTF-8 (invalid start byte at byte 0)"),
    ),
    HostileFile(
        "csv_semicolon_undeclared",
        "csv",
        prices("{k}1;K1;Acme, Inc;10;2017-01-01", header=SEMICOLONS),
        Unreadable("the CSV header lacks required column(s) ['sku', 'supply_id', 'valid_from']"),
    ),
    HostileFile(
        "csv_semicolon_declared",
        "csv",
        prices("{k}1;K1;Acme, Inc;10;2017-01-01", '{k}2;K1;"a;b";11;2017-01-01', header=SEMICOLONS),
        Loads(2, values=("supplier", ("Acme, Inc", "a;b"))),
        table="prices_semicolon",
    ),
    HostileFile(
        "csv_semicolon_sniffed",
        "csv",
        prices("{k}1;K1;Acme, Inc;10;2017-01-01", '{k}2;K1;"x|y";11;2017-01-01', header=SEMICOLONS),
        Loads(2, values=("supplier", ("Acme, Inc", "x|y"))),
        table="prices_auto",
    ),
    HostileFile(
        "csv_tab_sniffed",
        "csv",
        prices("{k}1\tK1\tAcme, Inc; Ltd\t10\t2017-01-01", header=PRICES_HEADER.replace(",", "\t")),
        Loads(1, values=("supplier", ("Acme, Inc; Ltd",))),
        table="prices_auto",
    ),
    HostileFile(
        "csv_pipe_sniffed",
        "csv",
        prices(
            "{k}1|K1|Acme|10|2017-01-01", "{k}2|K1|Bolt|11|2017-01-01", header=PRICES_HEADER.replace(",", "|")
        ),
        Loads(2, values=("supplier", ("Acme", "Bolt"))),
        table="prices_auto",
    ),
    HostileFile(
        "csv_sniff_ambiguous",
        "csv",
        prices("{k}1,K1;Acme,10;2017-01-01", header="supply_id,sku;supplier,cost_cents;valid_from"),
        Unreadable("cannot tell the CSV delimiter (',', ';' all split every sampled record evenly): declare"),
        table="prices_auto",
    ),
    HostileFile(
        "csv_sniff_one_column",
        "csv",
        prices("{k}1", "{k}2", header="supply_id"),
        Unreadable(NO_DELIMITER),
        table="prices_auto",
    ),
    HostileFile(
        "csv_sniff_excel_sep_line",
        "csv",
        prices("{k}1;K1;Acme;10;2017-01-01", header=f"sep=;\n{SEMICOLONS}"),
        Unreadable(NO_DELIMITER),
        table="prices_auto",
    ),
    HostileFile("csv_empty", "csv", text(b""), Loads(0)),
    HostileFile("csv_blank_lines_only", "csv", text("\n\r\n\n"), Loads(0)),
    HostileFile("csv_header_only", "csv", prices(), Loads(0)),
    HostileFile(
        "csv_nul_byte",
        "csv",
        prices(row("1,K1,Ac\x00me,10"), row("2,K1,Acme,11")),
        Loads(1, {2: "NUL byte at byte 20"}),
    ),
    HostileFile(
        "csv_quote_left_open",
        "csv",
        prices(row("1,K1,Acme,10"), row('2,K1,"Acme,11')),
        Loads(1, {3: "unbalanced quotes (a quoted value is not closed)"}),
    ),
    HostileFile(
        "csv_stray_quote",
        "csv",
        prices(row('1,K1,5" screen,10'), row("2,K1,Acme,11"), row("3,K1,Acme,12")),
        Loads(2, {2: "unbalanced quotes (a quoted value is not closed)"}),
    ),
    HostileFile(
        "csv_bad_values",
        "csv",
        prices(
            row("1,K1,Acme,10"),
            row("2,K1,Acme,twelve"),
            row("3,K1,Acme,12", "2017-02-30"),
            row("4,K1,Acme,9223372036854775808"),
            row("5,K1,Acme,9223372036854775807"),
            ",K1,Acme,13,2017-01-01",
        ),
        Loads(
            2,
            {
                3: "column 'cost_cents': cannot read 'twelve' as bigint",
                4: "column 'valid_from': cannot read '2017-02-30' as date",
                5: "column 'cost_cents': cannot read '9223372036854775808' as bigint",
                7: "required column 'supply_id' is empty",
            },
            ("cost_cents", (10, 2**63 - 1)),
        ),
    ),
    HostileFile(
        "csv_header_trailing_comma",
        "csv",
        prices(row("1,K1,Acme,10") + ",", header=PRICES_HEADER + ","),
        Unreadable(f"the CSV header has an empty column name: '{PRICES_HEADER},'"),
    ),
    HostileFile(
        "csv_header_lacks_key",
        "csv",
        prices("{k}1,K1,Acme,10", header="supply_id,sku,supplier,cost_cents"),
        Unreadable("the CSV header lacks required column(s) ['valid_from']"),
    ),
    HostileFile(
        "csv_parquet_inside",
        "csv",
        events(2),
        Unreadable("the CSV header lacks required column(s) ['sku', 'supply_id', 'valid_from']: 'PAR1"),
    ),
    HostileFile(
        "csv_gzip_inside",
        "csv",
        prices(row("1,K1,Acme,10"), gz=True),
        Unreadable("the CSV header is not valid UTF-8 (invalid start byte at byte 1)"),
    ),
    HostileFile(
        "csv_bare_cr_lines",
        "csv",
        prices(row("1,K1,Acme,10"), row("2,K1,Acme,11"), end="\r"),
        Unreadable("the CSV header record holds more than one line (ended by a bare carriage return"),
    ),
    HostileFile(
        "csv_bare_cr_in_record",
        "csv",
        prices(row("1,K1,Acme,10") + "\r" + row("2,K1,Acme,11"), row("3,K1,Acme,12")),
        Loads(1, {2: "does not parse as exactly one CSV record"}),
    ),
    HostileFile(
        "csv_repeated_header",
        "csv",
        prices(row("1,K1,K2,10"), header="supply_id,sku,sku,cost_cents,valid_from"),
        Fails(("'sku', 'sku' -> 'sku'",)),
    ),
    HostileFile(
        "csv_colliding_header",
        "csv",
        prices(row("1,S1,K1,10"), header="supply_id,Supply ID,sku,cost_cents,valid_from"),
        Fails(("'supply_id', 'Supply ID' -> 'supply_id'",)),
    ),
]

USER_ID = ("'user_id'", "'userId'", "-> 'user_id'", "in different rows or files")


def camel(number: int) -> str:
    """A tweet line whose user id is named ``userId``."""
    return f'{{"id": "{{k}}{number}", "userId": "u2", "tweeted_at": "2017-01-01T10:00:00"}}'


def deep(number: int, value: str) -> str:
    """A tweet line holding ``value`` (JSON text) as ``deep``."""
    return f'{{"id": "{{k}}{number}", "deep": {value}}}'


JSON_LINES = [
    HostileFile(
        "jsonl_clean",
        "jsonl",
        tweets({"content": "first"}, {"content": "second"}, {"content": "third"}),
        Loads(3, values=("content", ("first", "second", "third"))),
    ),
    HostileFile(
        "jsonl_object_for_number",
        "jsonl",
        tweets({"retweets": 3}, {"retweets": {"count": 5}}, {"retweets": [1, 2]}),
        Loads(
            1,
            {
                2: f"column 'retweets': cannot read {{'count': 5}} as bigint {NESTED}",
                3: f"column 'retweets': cannot read [1, 2] as bigint {NESTED}",
            },
            ("retweets", (3,)),
        ),
    ),
    HostileFile(
        "jsonl_object_for_undeclared_number",
        "jsonl",
        tweets({"likes": 3}, {"likes": {"count": 5}}),
        Loads(1, {2: "column 'likes': an object where earlier records of this run hold a single value"}),
    ),
    HostileFile(
        "jsonl_duplicate_key",
        "jsonl",
        tweets({}, '{"id": "{k}2", "user_id": "u1", "content": "first", "content": "second"}'),
        Loads(1, {2: "duplicate key 'content' in one JSON object (which value is meant cannot be told)"}),
    ),
    HostileFile(
        "jsonl_duplicate_nested_key",
        "jsonl",
        tweets(
            '{"id": "{k}1", "place": {"name": "x", "name" : "y"}}',
            '{"id": "{k}2", "tags": [{"k": 1}, {"k": 2, "k": 3}]}',
            {"place": {"name": "z"}},
        ),
        Loads(1, {1: "duplicate key 'name' in one JSON object", 2: "duplicate key 'k' in one JSON object"}),
    ),
    HostileFile("jsonl_user_id_in_one_file", "jsonl", tweets({}, camel(2)), Fails(USER_ID)),
    HostileFile(
        "jsonl_user_id_across_files", "jsonl", tweets(camel(1)), Fails(USER_ID, with_file="jsonl_clean")
    ),
    HostileFile(
        "jsonl_beyond_int64_undeclared",
        "jsonl",
        tweets(
            {"views": 2**63 - 1},
            {"views": 2**63},
            {"views": 2**64 - 1},
            {"views": -(2**63) - 1},
            {"stats": {"views": 10**30}},
        ),
        Loads(
            1,
            {
                2: f"column 'views': {2**63} {BEYOND}",
                3: f"column 'views': {2**64 - 1} {BEYOND}",
                4: f"column 'views': {-(2**63) - 1} {BEYOND}",
                5: f"column 'stats.views': {10**30} {BEYOND}",
            },
            ("views", (2**63 - 1,)),
        ),
    ),
    HostileFile(
        "jsonl_beyond_int64_declared",
        "jsonl",
        tweets({"retweets": 2**63 - 1}, {"retweets": 2**63}, {"retweets": -(2**63)}, {}),
        Loads(
            3,
            {
                2: f"column 'retweets': cannot read {2**63} as bigint (beyond the 64-bit integer range: declare"
            },
            ("retweets", (2**63 - 1, -(2**63), None)),
        ),
    ),
    HostileFile(
        "jsonl_numbers_as_text",
        "jsonl",
        tweets({"user_id": 12345678901234567890123}, {"user_id": 1.5}),
        Loads(2, values=("user_id", ("12345678901234567890123", "1.5"))),
    ),
    HostileFile(
        "jsonl_not_objects",
        "jsonl",
        tweets({}, "[1, 2]", '"text"', "null", "42", "true"),
        Loads(
            1,
            {
                2: "not a JSON object (got an array)",
                3: "not a JSON object (got a string)",
                4: "not a JSON object (got null)",
                5: "not a JSON object (got a number)",
                6: "not a JSON object (got a boolean)",
            },
        ),
    ),
    HostileFile(
        "jsonl_invalid_json",
        "jsonl",
        tweets(
            {}, '{"id": "{k}2", "content": "x"', '{"id": "{k}3", "n": NaN}', "{'id': 'x'}", '{"id": "{k}5",}'
        ),
        Loads(
            1,
            {
                2: "invalid JSON: unexpected end of data",
                3: "invalid JSON: unexpected character, expected a JSON value",
                4: "invalid JSON: unexpected character, expected a string key",
                5: "invalid JSON: trailing comma is not allowed",
            },
        ),
    ),
    HostileFile(
        "jsonl_latin1",
        "jsonl",
        text('{"id": "{k}1", "content": "caf\xe9"}\n', encoding="latin-1"),
        Loads(0, {1: "invalid UTF-8 (invalid continuation byte at byte 40)"}),
    ),
    HostileFile("jsonl_bom", "jsonl", joined(UTF8_BOM, tweets({}, {})), Loads(2)),
    HostileFile(
        "jsonl_crlf_and_blank_lines",
        "jsonl",
        tweets({}, "", "   ", {"content": "x"}, "", end="\r\n"),
        Loads(2, values=("content", ("ok", "x"))),
    ),
    HostileFile(
        "jsonl_nul",
        "jsonl",
        tweets({}, {"content": "a\x00b"}, '{"id": "{k}3", "content": "a\x00b"}'),
        Loads(1, {2: "NUL character (\\u0000) in a value", 3: "NUL byte at byte 35"}),
    ),
    HostileFile("jsonl_empty", "jsonl", text(b""), Loads(0)),
    HostileFile(
        "jsonl_csv_inside",
        "jsonl",
        prices(row("1,K1,Acme,10")),
        Loads(0, dict.fromkeys((1, 2), NOT_JSON)),
    ),
    HostileFile(
        "jsonl_nested_too_deep",
        "jsonl",
        tweets(
            deep(1, nested(31, "{")),
            deep(2, nested(32, "{")),
            deep(3, nested(40)),
            deep(4, nested(300)),
            deep(5, nested(1000)),
            deep(6, nested(2000)),
        ),
        Loads(1, {**dict.fromkeys(range(2, 6), TOO_DEEP), 6: "invalid JSON: depth limit exceeded"}),
    ),
    HostileFile(
        "jsonl_long_line",
        "jsonl",
        tweets({"content": LONG_VALUE}, {"content": "short"}),
        Loads(2, values=("content", (LONG_VALUE, "short"))),
    ),
    HostileFile(
        "jsonl_timestamps",
        "jsonl",
        tweets(
            {"tweeted_at": "2017-01-01T12:00:00+02:00"},
            {"tweeted_at": "2017-01-01"},
            {"tweeted_at": 1483264800},
            {"tweeted_at": "yesterday"},
            {"tweeted_at": "2017-01-01T10:00:00Z"},
        ),
        Loads(
            3,
            {
                3: "column 'tweeted_at': cannot read 1483264800 as timestamp",
                4: "column 'tweeted_at': cannot read 'yesterday' as timestamp",
            },
            ("tweeted_at", (TEN, datetime(2017, 1, 1), TEN)),
        ),
    ),
    HostileFile(
        "jsonl_torn_last_line",
        "jsonl",
        joined(tweets({}, {}), text('{"id": "{k}3", "content": "cut sh')),
        Loads(2, {3: "invalid JSON: unexpected end of data"}),
    ),
    HostileFile(
        "jsonl_nested_where_text_belongs",
        "jsonl",
        tweets({"user_id": {"id": "u1"}}, {"content": ["a", "b"]}, {}),
        Loads(
            1,
            {
                1: f"column 'user_id': cannot read {{'id': 'u1'}} as text {NESTED}",
                2: f"column 'content': cannot read ['a', 'b'] as text {NESTED}",
            },
        ),
    ),
]

GZIPPED = [
    HostileFile("jsonlgz_clean", "jsonl.gz", tweets({}, {}, {}, gz=True), Loads(3)),
    HostileFile(
        "jsonlgz_cut_short", "jsonl.gz", cut(tweets({}, {}, gz=True), slice(0, -12)), Unreadable(GZIP_CUT)
    ),
    HostileFile(
        "jsonlgz_cut_midway",
        "jsonl.gz",
        cut(text(MANY_TWEETS, gz=True), slice(0, -60)),
        Unreadable(GZIP_CUT, after=19),
    ),
    HostileFile(
        "jsonlgz_not_gzip",
        "jsonl.gz",
        tweets({}, {}),
        Unreadable("cannot decompress the file: Not a gzipped file (b'{\"')"),
    ),
    HostileFile(
        "jsonlgz_two_members",
        "jsonl.gz",
        joined(tweets({}, {}, gz=True), tweets({"id": "{k}3"}, {"id": "{k}4"}, gz=True)),
        Loads(4),
    ),
    HostileFile(
        "jsonlgz_trailing_garbage",
        "jsonl.gz",
        joined(tweets({}, gz=True), b"garbage"),
        Unreadable("cannot decompress the file: Not a gzipped file (b'ga')"),
    ),
    HostileFile("jsonlgz_zero_padding", "jsonl.gz", joined(tweets({}, {}, gz=True), bytes(64)), Loads(2)),
    HostileFile("jsonlgz_empty_stream", "jsonl.gz", text(b"", gz=True), Loads(0)),
    HostileFile("jsonlgz_zero_bytes", "jsonl.gz", text(b""), Loads(0)),
    HostileFile(
        "jsonlgz_hostile_lines",
        "jsonl.gz",
        tweets({}, '{"id": "{k}2", "id": "x"}', {"retweets": 2**64}, gz=True),
        Loads(1, {2: "duplicate key 'id'", 3: f"column 'retweets': cannot read {2**64} as bigint (beyond"}),
    ),
    HostileFile(
        "jsonlgz_csv_inside",
        "jsonl.gz",
        prices(row("1,K1,Acme,10"), gz=True),
        Loads(0, dict.fromkeys((1, 2), NOT_JSON)),
    ),
]

WIDEST = "does not fit decimal128(38, 2), the widest decimal (declare the column as text to keep it)"
PARQUET = [
    HostileFile("parquet_clean", "parquet", events(3), Loads(3, values=("occurred_at", (TEN, TEN, TEN)))),
    HostileFile(
        "parquet_uint64",
        "parquet",
        events(5, visits=pa.array([1, 2**63 - 1, 2**63, 2**64 - 1, None], pa.uint64())),
        Loads(
            3,
            {3: f"column 'visits': {2**63} {BEYOND}", 4: f"column 'visits': {2**64 - 1} {BEYOND}"},
            ("visits", (1, 2**63 - 1, None)),
        ),
    ),
    HostileFile(
        "parquet_decimal256",
        "parquet",
        events(3, total=pa.array([Decimal("1.50"), Decimal(10**35), Decimal(10**36)], pa.decimal256(50, 2))),
        Loads(2, {3: f"column 'total': {10**36}.00 {WIDEST}"}, ("total", (Decimal("1.50"), Decimal(10**35)))),
    ),
    HostileFile(
        "parquet_decimal128",
        "parquet",
        events(2, amount=pa.array([Decimal("12345678901234567890123456789.123456789"), Decimal("-1E-9")])),
        Loads(2, values=("amount", (Decimal("12345678901234567890123456789.123456789"), Decimal("-1E-9")))),
    ),
    HostileFile(
        "parquet_dictionary_nul",
        "parquet",
        events(2, store_id=pa.array(["s\x001", "s2"]).dictionary_encode()),
        Loads(1, {1: "column 'store_id': NUL character in the value"}, ("store_id", ("s2",))),
    ),
    HostileFile(
        "parquet_string_view_nul",
        "parquet",
        events(2, event_type=pa.array(["vi\x00sit", "visit"], pa.string_view())),
        Loads(1, {1: "column 'event_type': NUL character in the value"}, ("event_type", ("visit",))),
    ),
    HostileFile(
        "parquet_null_key",
        "parquet",
        events(3, event_id=lambda k: [f"{k}1", None, f"{k}3"]),
        Loads(2, {2: "required column 'event_id' is empty"}),
    ),
    HostileFile(
        "parquet_bad_timestamps",
        "parquet",
        events(3, occurred_at=["2017-01-01 10:00:00", "later", "2017-01-01T12:00:00+02:00"]),
        Loads(2, {2: "column 'occurred_at': cannot read 'later' as timestamp"}, ("occurred_at", (TEN, TEN))),
    ),
    HostileFile(
        "parquet_timestamp_with_zone",
        "parquet",
        events(1, occurred_at=pa.array([1_483_264_800_000_000], pa.timestamp("us", tz="America/New_York"))),
        Loads(1, values=("occurred_at", (TEN,))),
    ),
    HostileFile(
        "parquet_nested_columns",
        "parquet",
        events(2, place=pa.array([{"name": "x"}, None]), tags=[["a", "b"], []]),
        # with struct and list columns, beside files without them: dlt writes the two schemas apart
        # (.dlt/config.toml, data_writer), where it used to fail the whole run in extract
        Loads(2),
        beside_clean=True,
    ),
    HostileFile(
        "parquet_missing_key_column",
        "parquet",
        events(2, event_id=None),
        Unreadable("the Parquet schema lacks required column(s) ['event_id']"),
    ),
    HostileFile(
        "parquet_footer_cut",
        "parquet",
        cut(events(20), slice(0, -30)),
        Unreadable(NO_PARQUET_FOOTER),
    ),
    HostileFile(
        "parquet_torn_middle",
        "parquet",
        zeroed(events(40), at=0.2),
        Unreadable("Parquet data unreadable after row 16: OSError: Corrupt snappy compressed data", after=16),
    ),
    HostileFile(
        "parquet_zero_bytes",
        "parquet",
        text(b""),
        Unreadable("not a readable Parquet file: ArrowInvalid: Parquet file size is 0 bytes"),
    ),
    HostileFile("parquet_zero_rows", "parquet", events(0), Loads(0)),
    HostileFile(
        "parquet_csv_inside",
        "parquet",
        prices(row("1,K1,Acme,10")),
        Unreadable(NO_PARQUET_FOOTER),
    ),
    HostileFile("parquet_avro_inside", "parquet", loyalty({}), Unreadable(NO_PARQUET_FOOTER)),
    HostileFile(
        "parquet_repeated_column",
        "parquet",
        events(1, rename={"event_type": "event_id"}),
        Fails(("'event_id', 'event_id' -> 'event_id'",)),
    ),
    HostileFile(
        "parquet_colliding_columns",
        "parquet",
        events(1, userId=["u1"], user_id=["u2"]),
        Fails(("'userId', 'user_id' -> 'user_id'",)),
    ),
]

AMOUNT_IN_DEFAULT = f"column 'amount': %s {DECIMAL_DEFAULT} with its precision)"
AVRO = [
    HostileFile(
        "avro_clean",
        "avro",
        loyalty({}, {"points": 7}, {"event_type": "redeem", "points": -100}),
        Loads(3, values=("points", (5, 7, -100))),
    ),
    HostileFile(
        "avro_decimal_bytes",
        "avro",
        loyalty(
            {"amount": Decimal("1.250")},
            {"amount": Decimal("-0.001")},
            fields=[decimal_field("amount", 12, 3)],
        ),
        Loads(2, values=("amount", (Decimal("1.250"), Decimal("-0.001")))),
    ),
    HostileFile(
        "avro_decimal_fixed",
        "avro",
        loyalty(
            {"amount": Decimal("123456789012345678901234567.89")},
            {"amount": Decimal("-12345678901234567890123456789012345.67")},
            fields=[decimal_field("amount", 38, 2, fixed=16)],
        ),
        Loads(
            1,
            {2: AMOUNT_IN_DEFAULT % "-12345678901234567890123456789012345.67"},
            ("amount", (Decimal("123456789012345678901234567.89"),)),
        ),
    ),
    HostileFile(
        "avro_decimal_too_fine",
        "avro",
        loyalty(
            {"amount": Decimal("1.500000000000")},
            {"amount": Decimal("0.000000000100")},
            fields=[decimal_field("amount", 45, 12)],
        ),
        Loads(1, {2: AMOUNT_IN_DEFAULT % "0.000000000100"}, ("amount", (Decimal("1.5"),))),
    ),
    HostileFile(
        "avro_object_for_number",
        "avro",
        loyalty(
            {},
            {"points": {"n": 3}},
            fields=[
                avro_field(
                    "points", ["long", {"type": "record", "name": "p", "fields": [avro_field("n", "long")]}]
                )
            ],
        ),
        Loads(1, {2: f"column 'points': cannot read {{'n': 3}} as bigint {NESTED}"}),
    ),
    HostileFile(
        "avro_points_as_text",
        "avro",
        loyalty({"points": "7"}, {"points": "five"}, fields=[avro_field("points", "string")]),
        Loads(1, {2: "column 'points': cannot read 'five' as bigint"}, ("points", (7,))),
    ),
    HostileFile(
        "avro_points_as_double",
        "avro",
        loyalty(
            {"points": 7.0},
            {"points": float("nan")},
            {"points": 2.5},
            fields=[avro_field("points", "double")],
        ),
        Loads(
            1,
            {
                2: "column 'points': cannot read nan as bigint",
                3: "column 'points': cannot read 2.5 as bigint",
            },
            ("points", (7,)),
        ),
    ),
    HostileFile(
        "avro_null_key",
        "avro",
        loyalty({}, {"event_id": None}, fields=[avro_field("event_id", ["null", "string"])]),
        Loads(1, {2: "required column 'event_id' is missing or empty"}),
    ),
    HostileFile(
        "avro_missing_key_field",
        "avro",
        loyalty(LOYALTY, LOYALTY, schema={"type": "record", "name": "l", "fields": LOYALTY_FIELDS[1:]}),
        Loads(0, dict.fromkeys((1, 2), "required column 'event_id' is missing or empty")),
    ),
    HostileFile(
        "avro_not_a_record",
        "avro",
        loyalty(1, 2, schema={"type": "long"}),
        Loads(0, dict.fromkeys((1, 2), "not an Avro record")),
    ),
    HostileFile(
        "avro_timestamp_millis",
        "avro",
        loyalty(
            {"occurred_at": datetime(2017, 1, 1, 10, tzinfo=UTC)},
            fields=[avro_field("occurred_at", {"type": "long", "logicalType": "timestamp-millis"})],
        ),
        Loads(1, values=("occurred_at", (TEN,))),
    ),
    HostileFile(
        "avro_nul_in_string",
        "avro",
        loyalty({"store_id": "s\x001"}, {}),
        Loads(1, {1: "column 'store_id': NUL character in the value"}),
    ),
    HostileFile(
        "avro_other_types",
        "avro",
        loyalty(
            {"tier": "gold", "card": b"\x00\xff", "attrs": {"visits": 3}},
            fields=[
                avro_field("tier", {"type": "enum", "name": "tier", "symbols": ["gold", "silver"]}),
                avro_field("card", "bytes"),
                avro_field("attrs", {"type": "map", "values": "long"}),
            ],
        ),
        Loads(1, values=("tier", ("gold",))),
    ),
    HostileFile("avro_zero_records", "avro", loyalty(), Loads(0)),
    HostileFile("avro_zero_bytes", "avro", text(b""), Unreadable(NO_AVRO_HEADER)),
    HostileFile("avro_json_inside", "avro", tweets({}), Unreadable("not a readable Avro file: ValueError: ")),
    HostileFile(
        "avro_parquet_inside", "avro", events(1), Unreadable("not a readable Avro file: ValueError: ")
    ),
    HostileFile(
        "avro_header_cut",
        "avro",
        cut(loyalty({}), slice(0, 40)),
        Unreadable(NO_AVRO_HEADER),
    ),
    HostileFile(
        "avro_cut_short",
        "avro",
        cut(loyalty(*[{}] * 40, codec="deflate", sync_interval=256), slice(0, -40)),
        Unreadable("Avro data unreadable after row 35: EOFError: ", after=35),
    ),
    HostileFile(
        "avro_torn_middle",
        "avro",
        zeroed(loyalty(*[{}] * 40, codec="deflate", sync_interval=256)),
        Unreadable("Avro data unreadable after row 6: EOFError: ", after=6),
    ),
    HostileFile(
        "avro_colliding_fields",
        "avro",
        loyalty(
            {"user_id": "u1", "userId": "u2"},
            fields=[avro_field("user_id", "string"), avro_field("userId", "string")],
        ),
        Fails(("'user_id', 'userId' -> 'user_id'",)),
    ),
]

CORPUS: list[HostileFile] = [*CSV, *JSON_LINES, *GZIPPED, *PARQUET, *AVRO]
ENTRIES = {entry.name: entry for entry in CORPUS}
CLEAN = {entry.format: entry for entry in CORPUS if entry.name.endswith("_clean")}  # one per format
