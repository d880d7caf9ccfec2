"""Hostile identifiers load without SQL injection and without silent merges, on DuckDB and on Postgres.

Hypothesis generates names with quotes, semicolons, SQL fragments (``x"; drop table y; --``), backslashes and
``..``, dots, spaces, accents (composed and combining), CJK, emoji, leading digits, dlt's own column names and
very long names, and uses them as landing file names (CSV and JSON Lines) and as CSV headers and JSON keys of
the files source, whose contract lets undeclared columns through to dlt's schema. Each example loads through
the project's ``run_source`` into a dataset of its own and asserts:

- the load succeeds, or fails with the project's clear error (``ColumnNameCollisionError`` naming every
  colliding original, or the CSV reader's empty-name error), and a failed load changes nothing;
- after success every input key has exactly one column of its own holding all of its values, row for row;
- no schema or table appears besides the example's dataset (and its merge staging dataset), none of the
  earlier ones is dropped, and a sentinel table (``y``, in its own schema) keeps its rows;
- the quarantine origin names the file verbatim (its URL decodes to the exact file path);
- nothing is written under the test's folder besides the warehouse and dlt's pipeline state.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dlt
import pytest
from dlt.common.normalizers.naming.snake_case import NamingConvention
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st

from extract_load.column_names import ColumnNameCollisionError, column_name_guard
from extract_load.destination import dlt_destination, pipelines_dir
from extract_load.ledger import RowLedger
from extract_load.pipeline import dataset_of, run_source
from extract_load.registry import build_source

SETTINGS = settings(
    max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
    # CI draws the same examples every time (a red CI run is always reproducible); elsewhere each run explores.
    derandomize=os.environ.get("CI", "").lower() == "true",
    # Each example is a real load (about a second): shrinking a failure could take many minutes, so the
    # first failing example is reported as found.
    phases=(Phase.explicit, Phase.generate),
)
_RUNS = itertools.count()
_NAMING = NamingConvention()
# Columns dlt writes itself, and the name it gives an empty or blank JSON key.
DLT_COLUMNS = {"_dlt_id", "_dlt_load_id", "_dlt_parent_id", "_dlt_list_idx", "_dlt_root_id"}
EMPTY_KEY = "_empty"
SENTINEL_SCHEMA, SENTINEL_TABLE, SENTINEL_ROWS = "hostile_sentinel", "y", 3
SYSTEM_SCHEMAS = {"information_schema", "pg_catalog", "pg_toast"}

# Declared columns of the two drops, always present with valid values (a hostile name that normalises to one
# of them must collide with it).
CSV_FIXED = {
    "supply_id": "s1",
    "sku": None,
    "valid_from": "2024-01-01",
    "supplier": "acme",
    "cost_cents": "7",
}
JSON_FIXED = {"id": None, "user_id": "u1", "tweeted_at": "2024-01-01T00:00:00", "content": "hi"}

FRAGMENTS = [
    "'",
    '"',
    ";",
    'x"; drop table y; --',
    "'); drop schema hostile_sentinel cascade; --",
    "/* */",
    "/",
    "\\",
    "..",
    "../..",
    ".",
    " ",
    "\t",
    "\u00a0",
    "\u200b",
    "-",
    "__",
    "_",
    "é",
    "e\u0301",
    "\u0301",
    "Ω",
    "日本語",
    "中",
    "😀",
    "👩\u200d👩\u200d👧",
    "0",
    "9lives",
    "select",
    "*",
    "%s",
    "?",
    "$1",
    "{0}",
    "`",
    "[x]",
    "#",
    "@",
    "NULL",
    "_dlt_id",
    "_DLT_LOAD_ID",
    "Id",
    "SKU",
    "User ID",
]
_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
_FRAGMENT = st.sampled_from(FRAGMENTS) | st.text(_CHARS, min_size=1, max_size=5)
_SHORT = st.lists(_FRAGMENT, min_size=1, max_size=4).map("".join)
_LONG = st.builds(lambda text, size: (text * size)[:size], _SHORT, st.integers(60, 300))
IDENTIFIER = _SHORT | _LONG


# ---------------------------------------------------------------------------------------------------- warehouse

pytestmark = pytest.mark.slow  # property-based loads on both engines, minutes in all: not in make test-fast


def _pipeline(name: str) -> dlt.Pipeline:
    """The pipeline ``run_source(name, ...)`` runs (same state folder, destination and dataset)."""
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt_destination(),
        dataset_name=dataset_of(name),
        pipelines_dir=str(pipelines_dir()),
    )


def _query(sql: str, *args: object) -> list[tuple]:
    """Rows of a query on the configured warehouse (through dlt's client of a throw-away pipeline)."""
    with _pipeline("hostile_probe").sql_client() as client:
        return [tuple(row) for row in client.execute_sql(sql, *args) or []]


def _tables() -> set[tuple[str, str]]:
    """Every (schema, table) of the warehouse outside the system schemas."""
    rows = _query("select table_schema, table_name from information_schema.tables")
    return {(schema, table) for schema, table in rows if schema not in SYSTEM_SCHEMAS}


def _columns(dataset: str, table: str) -> list[str]:
    """The columns of one warehouse table."""
    rows = _query(
        "select column_name from information_schema.columns where table_schema = %s and table_name = %s",
        dataset,
        table,
    )
    return [name for (name,) in rows]


def _sentinel_rows() -> int:
    return _query(f"select count(*) from {SENTINEL_SCHEMA}.{SENTINEL_TABLE}")[0][0]


@pytest.fixture
def sentinel(warehouse: str) -> Iterator[str]:
    """A table ``y`` with rows in a schema of its own, which no load may touch; yields the engine name."""
    if warehouse == "postgres":
        from engines.postgres_admin import prepare_postgres

        prepare_postgres()  # the loader role the pipelines connect as
    with _pipeline("hostile_probe").sql_client() as client:
        client.execute_sql(f"create schema if not exists {SENTINEL_SCHEMA}")
        client.execute_sql(f"create table {SENTINEL_SCHEMA}.{SENTINEL_TABLE} (id integer)")
        client.execute_sql(f"insert into {SENTINEL_SCHEMA}.{SENTINEL_TABLE} values (1), (2), (3)")
    yield warehouse


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under folder except the warehouse and dlt's state: relative path -> bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file()
        and "dlt_pipelines" not in path.relative_to(folder).parts
        and not path.name.startswith("warehouse.duckdb")
    }


class Load:
    """One example's load: a landing folder, a pipeline and dataset of its own, and the warehouse before it."""

    def __init__(self, data_dir: Path) -> None:
        self.name = f"hostile_{next(_RUNS)}"
        self.dataset = dataset_of(self.name)
        self.landing = data_dir / "landings" / self.name
        self.root = data_dir.parent
        self.before_tables: set[tuple[str, str]] = set()
        self.before_files: dict[str, bytes] = {}

    def write(self, relative: str, data: bytes) -> Path:
        path = self.landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def run(self) -> Exception | None:
        """Load the landing folder with the files source; the error, when the run fails."""
        self.before_tables = _tables()
        self.before_files = _files(self.root)
        ledger = RowLedger()
        try:
            run_source(self.name, build_source("jaffle_files", ledger, str(self.landing)), ledger)
        except Exception as error:  # noqa: BLE001 - the caller asserts which error it is
            return error
        return None

    def check_untouched(self, *, loaded: bool) -> None:
        """No table dropped, no foreign schema created, the sentinel intact, no file written outside."""
        tables = _tables()
        assert self.before_tables <= tables, f"tables dropped: {self.before_tables - tables}"
        new_schemas = {schema for schema, _ in tables - self.before_tables}
        allowed = {self.dataset, f"{self.dataset}_staging"} if loaded else set()
        assert new_schemas <= allowed, f"unexpected schemas {new_schemas - allowed}"
        if loaded:
            assert {t for s, t in tables if s == self.dataset} <= {
                "supplier_prices",
                "tweets",
                "quarantine",
                "_dlt_loads",
                "_dlt_version",
                "_dlt_pipeline_state",
            }
        assert (SENTINEL_SCHEMA, SENTINEL_TABLE) in tables
        assert _sentinel_rows() == SENTINEL_ROWS
        assert _files(self.root) == self.before_files, "a file was written, changed or removed outside"

    def rows(self, table: str, columns: list[str], order_by: str) -> list[tuple]:
        """Rows of one table of the example's dataset, the given columns, in order."""
        with _pipeline(self.name).sql_client() as client:
            names = ", ".join(client.escape_column_name(column) for column in columns)
            qualified = client.make_qualified_table_name(table)
            sql = f"select {names} from {qualified} order by {client.escape_column_name(order_by)}"
            return [tuple(row) for row in client.execute_sql(sql)]


def _errors(error: BaseException) -> Iterator[BaseException]:
    """The error and every error it was raised from or during (dlt wraps the source's error)."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack += [current.__cause__, current.__context__, getattr(current, "exception", None)]


def _find(error: BaseException, kind: type[BaseException]) -> BaseException | None:
    return next((e for e in _errors(error) if isinstance(e, kind)), None)


# ------------------------------------------------------------------------------------------------------ oracle


def _column_of(name: str, *, json_key: bool) -> str:
    """The column dlt makes of a source name (a JSON key may be blank: dlt names it ``_empty``)."""
    if json_key and (not name or name.isspace()):
        return EMPTY_KEY
    return _NAMING.normalize_path(name)


def _expected_collisions(names: list[str], *, json_key: bool) -> dict[str, list[str]]:
    """Column -> originals, where two names share a column or one lands on dlt's own column or on no name."""
    by_column: dict[str, list[str]] = {}
    for name in names:
        by_column.setdefault(_column_of(name, json_key=json_key), []).append(name)
    return {
        column: originals
        for column, originals in by_column.items()
        if len(originals) > 1 or column in DLT_COLUMNS or not column
    }


def _check_outcome(
    load: Load, error: Exception | None, names: list[str], *, json_key: bool
) -> dict[str, str] | None:
    """Assert the run's verdict matches the names; on success, the source name -> warehouse column map."""
    if not json_key and any(not name.strip() for name in names):
        event("quarantined whole: empty CSV column name")
        assert error is None, error
        [(reason,)] = load.rows("quarantine", ["reason"], "reason")
        assert "the whole file is unreadable" in reason and "empty column name" in reason, reason
        load.check_untouched(loaded=True)
        return None
    expected = _expected_collisions(names, json_key=json_key)
    if expected:
        event("rejected: colliding names")
        assert error is not None, f"colliding names loaded silently: {expected}"
        collision = _find(error, ColumnNameCollisionError)
        assert collision is not None, f"not the project's collision error: {error!r}"
        for originals in expected.values():
            for original in originals:
                assert repr(original) in str(collision), (original, str(collision))
        load.check_untouched(loaded=False)
        return None
    event("loaded")
    assert error is None, f"distinct names failed to load: {error!r}"
    load.check_untouched(loaded=True)
    naming = _pipeline(load.name).default_schema.naming  # the destination's (Postgres shortens at 63)
    mapping = {
        name: EMPTY_KEY if json_key and (not name or name.isspace()) else naming.normalize_path(name)
        for name in names
    }
    assert len(set(mapping.values())) == len(names), "two names share a warehouse column"
    return mapping


# ------------------------------------------------------------------------------------------------------- tests


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


# Rewrites that often keep a name's snake_case form: a twin added to a list of names makes collisions common.
TWINS = [
    str.upper,
    str.swapcase,
    lambda name: name.replace(" ", "_"),
    lambda name: name.replace("'", '"'),
    lambda name: name + "?",
    lambda name: name + "\u0301",
    lambda name: f"{name}__",
]


@st.composite
def _names(draw: st.DrawFn) -> list[str]:
    """One to four distinct hostile names, half of the time with a twin of one of them."""
    names = draw(st.lists(IDENTIFIER, min_size=1, max_size=4, unique=True))
    if draw(st.booleans()):
        twin = draw(st.sampled_from(TWINS))(draw(st.sampled_from(names)))
        if twin not in names:
            names.append(twin)
    return names


_HEADERS = _names()


@SETTINGS
@example(hostile=['x"; drop table y; --', 'X"; DROP TABLE Y; --'], row_count=2)
@example(hostile=["_DLT_LOAD_ID", "_dlt_id"], row_count=1)
@example(hostile=["__"], row_count=1)
@example(hostile=["1abc", "Café", "日本語", "e\u0301", "a" * 300], row_count=2)
@given(hostile=_HEADERS, row_count=st.integers(1, 3))
def test_hostile_csv_headers_land_in_distinct_columns_or_fail_clearly(
    sentinel: str, data_dir: Path, hostile: list[str], row_count: int
) -> None:
    hostile = [name for name in hostile if name not in CSV_FIXED]
    header = [*CSV_FIXED, *hostile]
    rows = [
        [f"k{i}" if name == "sku" else value for name, value in CSV_FIXED.items()]
        + [f"{name}|{i}|{j}" for j, name in enumerate(hostile)]
        for i in range(row_count)
    ]
    load = Load(data_dir)
    load.write("supplier_prices/prices.csv", _csv(header, rows))
    mapping = _check_outcome(load, load.run(), header, json_key=False)
    if mapping is None:
        return
    columns = _columns(load.dataset, "supplier_prices")
    assert set(columns) == {*mapping.values(), "_dlt_id", "_dlt_load_id"}, columns
    assert load.rows("supplier_prices", [mapping[n] for n in header], "sku") == [
        (row[0], row[1], _date(row[2]), row[3], int(row[4]), *row[5:]) for row in rows
    ]


@SETTINGS
@example(hostile=["", "_empty"], row_count=2)
@example(hostile=[" "], row_count=1)
@example(hostile=["_DLT_ID"], row_count=1)
@example(hostile=["__"], row_count=1)
@example(hostile=["a.b", "a/b", "a\\b", "😀", "1abc", "x" * 64 + "1", "x" * 64 + "2"], row_count=3)
@given(hostile=_HEADERS, row_count=st.integers(1, 3))
def test_hostile_json_keys_land_in_distinct_columns_or_fail_clearly(
    sentinel: str, data_dir: Path, hostile: list[str], row_count: int
) -> None:
    hostile = [name for name in hostile if name not in JSON_FIXED]
    keys = [*JSON_FIXED, *hostile]
    records = [
        {
            **{name: (f"t{i}" if name == "id" else value) for name, value in JSON_FIXED.items()},
            **{name: f"{name}|{i}|{j}" for j, name in enumerate(hostile)},
        }
        for i in range(row_count)
    ]
    load = Load(data_dir)
    text = "".join(json.dumps(record, ensure_ascii=bool(row_count % 2)) + "\n" for record in records)
    load.write("tweets/tweets.jsonl", text.encode("utf-8"))
    mapping = _check_outcome(load, load.run(), keys, json_key=True)
    if mapping is None:
        return
    columns = _columns(load.dataset, "tweets")
    assert set(columns) == {*mapping.values(), "_dlt_id", "_dlt_load_id"}, columns
    got = load.rows("tweets", [mapping[k] for k in keys], "id")
    assert got == [
        (record["id"], record["user_id"], _timestamp(), record["content"], *(record[k] for k in hostile))
        for record in records
    ]


def _file_stem(name: str) -> str:
    """A hostile name made a valid file stem: no '/' (a backslash instead), no leading dot, <= 200 bytes."""
    stem = name.replace("/", "\\")
    stem = "x" + stem if stem.startswith(".") else stem
    while len(stem.encode("utf-8")) > 200:
        stem = stem[:-1]
    return stem


@SETTINGS
@example(stem='x"; drop table y; --')
@example(stem="a\\..\\..\\evil")
@example(stem="../../evil")
@example(stem="e\u0301 日本 😀 %41 #?[x]*")
@example(stem="a" * 200)
@given(stem=IDENTIFIER)
def test_hostile_file_names_load_and_are_recorded_verbatim(sentinel: str, data_dir: Path, stem: str) -> None:
    stem = _file_stem(stem)
    load = Load(data_dir)
    csv_path = load.write(
        f"supplier_prices/{stem}.csv",
        _csv(list(CSV_FIXED), [["s1", f"k{i}", "2024-01-01", stem, "7"] for i in range(2)]) + b"bad\n",
    )
    jsonl_path = load.write(
        f"tweets/{stem}.jsonl",
        b"".join(
            json.dumps({**JSON_FIXED, "id": f"t{i}", "content": stem}).encode() + b"\n" for i in range(2)
        )
        + b"not json\n",
    )
    error = load.run()
    assert error is None, f"{stem!r} did not load: {error!r}"
    load.check_untouched(loaded=True)
    assert load.rows("supplier_prices", ["sku", "supplier"], "sku") == [("k0", stem), ("k1", stem)]
    assert load.rows("tweets", ["id", "content"], "id") == [("t0", stem), ("t1", stem)]
    origins = sorted(origin for (origin,) in load.rows("quarantine", ["origin"], "origin"))
    assert len(origins) == 2, origins
    recorded = {}
    for origin in origins:
        url, _, line = origin.rpartition(":line ")
        parts = urlsplit(url)
        assert parts.scheme == "file" and not parts.query and not parts.fragment, origin
        recorded[unquote(parts.path)] = int(line)
    assert recorded == {str(csv_path): 4, str(jsonl_path): 3}, "the origin must name the file verbatim"


def test_a_file_name_starting_with_a_dot_is_skipped_with_a_warning_not_loaded_silently(
    sentinel: str, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    load = Load(data_dir)
    load.write("tweets/..\\..\\evil.jsonl", json.dumps({**JSON_FIXED, "id": "t0"}).encode() + b"\n")
    assert load.run() is None
    load.check_untouched(loaded=True)
    assert (load.dataset, "tweets") not in _tables()
    warned = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert any("evil.jsonl" in message and "starting with '.'" in message for message in warned), warned


def _date(text: str) -> date:
    return date.fromisoformat(text)


def _timestamp() -> datetime:
    return datetime.fromisoformat(JSON_FIXED["tweeted_at"])


@pytest.mark.parametrize(
    ("item", "names"),
    [
        ({"id": 1, "_DLT_ID": "mine"}, ["_DLT_ID"]),
        ({"id": 1, "_dlt_load_id": "mine"}, ["_dlt_load_id"]),
        ({"id": 1, "": "blank", "_empty": "named"}, ["", "_empty"]),
        ({"id": 1, "__": "no name"}, ["__"]),
        ({"id": 1, "a": {"__": "no name"}}, ["a.__"]),
    ],
)
def test_the_guard_refuses_names_dlt_would_overwrite_merge_or_leave_unnamed(
    item: dict, names: list[str]
) -> None:
    with pytest.raises(ColumnNameCollisionError) as error:
        column_name_guard("tweets")(item)
    assert all(repr(name) in str(error.value) for name in names), str(error.value)


def test_the_guard_passes_a_lone_blank_key_which_dlt_names_empty() -> None:
    item = {"id": 1, "": "blank", "a": {"_dlt_id": "nested, not dlt's"}}
    assert column_name_guard("tweets")(item) is item
