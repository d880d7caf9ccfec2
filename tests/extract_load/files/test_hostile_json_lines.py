"""Hostile JSON Lines: duplicate keys, nested values in scalar columns and integers beyond 64 bits."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from dlt.pipeline.exceptions import PipelineStepFailed
from file_source_helpers import FilePipeline, assert_quarantined, corpus_bytes

from extract_load.file_readers import ColumnRules, read_jsonl

TWEET = {"id": "t1", "user_id": "u1", "tweeted_at": "2017-01-01T10:00:00", "content": "ok"}
BEYOND = "beyond the 64-bit integer range"


def tweet(**changes: object) -> bytes:
    """One tweet line with some fields changed."""
    return json.dumps({**TWEET, **changes}).encode()


HOSTILE_TWEETS = [  # (line, bytes, expected reason or None when the row loads)
    (1, tweet(), None),
    (2, b'{"id": "t2", "user_id": "u1", "content": "first", "content": "second"}', "duplicate key 'content'"),
    (3, b'{"id": "t3", "id": "t3b", "user_id": "u1"}', "duplicate key 'id'"),
    (4, tweet(id="t4", place={"name": "x"}).replace(b'"x"}', b'"x", "name" : "y"}'), "duplicate key 'name'"),
    (5, tweet(id="t5", content={"text": "hi", "lang": "en"}), "column 'content': cannot read {'text'"),
    (6, tweet(id="t6", user_id=["u1", "u2"]), "column 'user_id': cannot read ['u1', 'u2'] as text"),
    (7, tweet(id="t7", likes=2**64), f"column 'likes': {2**64} is {BEYOND}"),
    (8, tweet(id="t8", likes=-(2**63) - 1), f"column 'likes': {-(2**63) - 1} is {BEYOND}"),
    (9, tweet(id="t9", stats={"views": 10**30}), f"column 'stats.views': {10**30} is {BEYOND}"),
    (10, tweet(id="t10", content='say ":" and \\":'), None),  # escaped quotes before colons are not keys
    (11, tweet(id="t11", likes=2**63 - 1, content="x" * 25), None),  # the largest int64 loads exactly
    (12, tweet(id="t12", user_id=12345678901234567890123), None),  # a long number in a text column
]


def test_hostile_lines_are_quarantined_with_the_key_or_column_named(
    tmp_path: Path, files_pipeline: FilePipeline, write_file: Callable[..., Path]
) -> None:
    data = corpus_bytes(HOSTILE_TWEETS)
    write_file(tmp_path / "in" / "tweets" / "hostile.jsonl.gz", gzip.compress(data))
    run = files_pipeline.run(str(tmp_path / "in"), chunk_bytes=128)
    assert run.ledger.read == {"tweets": len(HOSTILE_TWEETS)}
    assert run.ledger.quarantined == {"tweets": len([line for line in HOSTILE_TWEETS if line[2]])}
    assert run.unbalanced() == []
    assert files_pipeline.rows("select id, user_id, content from tweets order by id") == [
        ("t1", "u1", "ok"),
        ("t10", "u1", 'say ":" and \\":'),
        ("t11", "u1", "x" * 25),
        ("t12", "12345678901234567890123", "ok"),
    ]
    assert files_pipeline.rows("select likes from tweets where id = 't11'") == [(2**63 - 1,)]
    columns = files_pipeline.pipeline.default_schema.tables["tweets"]["columns"]
    assert not [name for name in columns if name.startswith(("content__", "user_id__", "stats__"))]
    assert_quarantined(files_pipeline, "tweets", "line", HOSTILE_TWEETS)


RULES = ColumnRules.from_hints("t", {"id": {"data_type": "bigint"}, "n": {"data_type": "bigint"}}, "id")


@pytest.mark.parametrize(
    "value, reason",
    [
        (2**63 - 1, None),
        (-(2**63), None),
        (2**63, f"column 'n': cannot read {2**63} as bigint ({BEYOND}"),
        # orjson reads both as floats, the second one as a float inside the int64 range
        (2**64, f"column 'n': cannot read {2**64} as bigint ({BEYOND}"),
        (-(2**63) - 1, f"column 'n': cannot read {-(2**63) - 1} as bigint ({BEYOND}"),
        ({"v": 1}, "column 'n': cannot read {'v': 1} as bigint (a nested value where a single value belongs"),
        ([1], "column 'n': cannot read [1] as bigint (a nested value"),
    ],
)
def test_a_bigint_column_takes_only_64_bit_integers(value: object, reason: str | None) -> None:
    line = b'{"id": 1, "n": %s}' % json.dumps(value).encode()
    (chunk,) = read_jsonl(io.BytesIO(line), RULES, 1024)
    if reason is None:
        assert chunk.rows == [{"id": 1, "n": value}] and chunk.rejects == []
    else:
        assert chunk.rows == [] and len(chunk.rejects) == 1
        assert chunk.rejects[0].reason.startswith(reason), chunk.rejects[0].reason
        assert chunk.rejects[0].raw == line


def test_a_key_repeated_in_a_nested_object_is_named() -> None:
    line = b'{"id": 1, "tags": [{"k": 1}, {"k": 2, "k": 3}]}'
    (chunk,) = read_jsonl(io.BytesIO(line), RULES, 1024)
    assert [reject.reason for reject in chunk.rejects] == [
        "duplicate key 'k' in one JSON object (which value is meant cannot be told)"
    ]


CAMEL = json.dumps({"id": "t1", "userId": "u1", "tweeted_at": "2017-01-01T10:00:00"}).encode()


@pytest.mark.parametrize(
    "files",
    [
        {"a.jsonl": CAMEL + b"\n" + tweet(id="t2")},  # two rows of one file
        {"a.jsonl": tweet(), "b.jsonl": CAMEL.replace(b'"t1"', b'"t2"')},  # two files
    ],
)
def test_names_colliding_across_rows_or_files_fail_naming_both(
    tmp_path: Path, files_pipeline: FilePipeline, write_file: Callable[..., Path], files: dict[str, bytes]
) -> None:
    for name, data in files.items():
        write_file(tmp_path / "in" / "tweets" / name, data)
    with pytest.raises(PipelineStepFailed) as failure:
        files_pipeline.run(str(tmp_path / "in"))
    message = str(failure.value)
    assert "collide after normalisation in different rows or files" in message, message
    assert "'userId'" in message and "'user_id'" in message and "-> 'user_id'" in message
    assert files_pipeline.count("tweets") == 0
