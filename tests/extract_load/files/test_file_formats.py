"""Every file format loads from a local folder and from S3 (moto on loopback), once per file version."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from file_source_helpers import (
    HIDDEN_NAME,
    HIDDEN_TWEET,
    FilePipeline,
    assert_hidden_file_skipped,
    jaffle_files_source,
    upload_folder,
)

LANDING_TABLES = ("tweets", "supplier_prices", "store_events", "loyalty_events")
DECLARED_TYPES = {
    ("tweets", "tweeted_at"): "TIMESTAMP",
    ("supplier_prices", "cost_cents"): "BIGINT",
    ("supplier_prices", "valid_from"): "DATE",
    ("store_events", "occurred_at"): "TIMESTAMP",
    ("loyalty_events", "points"): "BIGINT",
    ("loyalty_events", "occurred_at"): "TIMESTAMP",
}


def assert_loaded_like_the_manifest(files_pipeline: FilePipeline, manifest: dict) -> None:
    """Each landing table holds exactly the rows the generator wrote, with the declared column types."""
    for table in LANDING_TABLES:
        assert files_pipeline.count(table) == manifest["landing_row_counts"][table], table
    types = dict(
        ((table, column), data_type)
        for table, column, data_type in files_pipeline.rows(
            "select table_name, column_name, data_type from information_schema.columns"
        )
    )
    for column, data_type in DECLARED_TYPES.items():
        assert types[column] == data_type, column
    assert files_pipeline.quarantine() == []


def test_every_format_loads_from_a_folder(
    demo_landing: tuple[Path, dict], files_pipeline: FilePipeline
) -> None:
    landing, manifest = demo_landing
    names = [path.name for path in landing.rglob("*") if path.is_file()]
    for ending in (".csv", ".jsonl", ".jsonl.gz", ".parquet", ".avro"):
        assert any(name.endswith(ending) for name in names), ending
    run = files_pipeline.run(str(landing))
    assert run.unbalanced() == []
    assert run.ledger.read == manifest["landing_row_counts"]
    assert_loaded_like_the_manifest(files_pipeline, manifest)


def test_the_source_keeps_its_own_ledger_when_given_none(
    demo_landing: tuple[Path, dict], files_pipeline: FilePipeline
) -> None:
    files_pipeline.pipeline.run(jaffle_files_source(str(demo_landing[0])))
    assert files_pipeline.count("tweets") == demo_landing[1]["landing_row_counts"]["tweets"]


def test_every_format_loads_from_s3(
    s3_landing: str, demo_landing: tuple[Path, dict], files_pipeline: FilePipeline
) -> None:
    run = files_pipeline.run(s3_landing)
    assert run.unbalanced() == []
    assert run.ledger.read == demo_landing[1]["landing_row_counts"]
    assert_loaded_like_the_manifest(files_pipeline, demo_landing[1])


def test_a_rerun_reads_and_adds_nothing(landing: Path, files_pipeline: FilePipeline) -> None:
    first = files_pipeline.run(str(landing))
    before = {table: files_pipeline.count(table) for table in LANDING_TABLES}
    second = files_pipeline.run(str(landing))
    assert second.ledger.read == {} and second.row_counts == {}
    assert {table: files_pipeline.count(table) for table in LANDING_TABLES} == before
    assert sum(first.ledger.read.values()) == sum(before.values())


def test_a_rerun_from_s3_reads_nothing(s3_landing: str, files_pipeline: FilePipeline) -> None:
    files_pipeline.run(s3_landing)
    assert files_pipeline.run(s3_landing).ledger.read == {}


def test_a_touched_file_is_read_again_and_merges_on_its_key(
    landing: Path, files_pipeline: FilePipeline
) -> None:
    files_pipeline.run(str(landing))
    before = {table: files_pipeline.count(table) for table in LANDING_TABLES}
    touched = sorted((landing / "supplier_prices").glob("*.csv"))[1]
    later = touched.stat().st_mtime + 3_600
    os.utime(touched, (later, later))
    run = files_pipeline.run(str(landing))
    rows_in_file = len(touched.read_text().splitlines()) - 1
    assert run.ledger.read == {"supplier_prices": rows_in_file}
    assert run.unbalanced() == []
    assert {table: files_pipeline.count(table) for table in LANDING_TABLES} == before


def test_a_resent_file_with_new_content_replaces_rows_by_key(
    landing: Path, files_pipeline: FilePipeline
) -> None:
    files_pipeline.run(str(landing))
    path = sorted((landing / "supplier_prices").glob("*.csv"))[0]
    lines = path.read_text().splitlines()
    supply_id, sku, supplier, _, valid_from = lines[1].split(",")
    lines[1] = ",".join([supply_id, sku, supplier, "99999", valid_from])
    path.write_text("\n".join(lines) + "\n")
    os.utime(path, (path.stat().st_mtime + 60, path.stat().st_mtime + 60))
    files_pipeline.run(str(landing))
    cost = files_pipeline.rows(
        "select cost_cents from supplier_prices where supply_id = ? and sku = ? and valid_from = ?",
        supply_id,
        sku,
        valid_from,
    )
    assert cost == [(99999,)]


def test_files_sharing_a_modification_time_are_all_read(
    tmp_path: Path, files_pipeline: FilePipeline, write_file: Callable[..., Path]
) -> None:
    folder, mtime = tmp_path / "same_mtime", 1_500_000_000.0
    header = "supply_id,sku,supplier,cost_cents,valid_from\n"
    for n in range(3):
        write_file(
            folder / "supplier_prices" / f"p{n}.csv", f"{header}S{n},K,sup,1,2017-01-01\n".encode(), mtime
        )
    first = files_pipeline.run(str(folder))
    assert first.ledger.read == {"supplier_prices": 3}
    # a fourth file arrives later with the very same modification time: it is read, the others are not
    write_file(folder / "supplier_prices" / "p3.csv", f"{header}S3,K,sup,1,2017-01-01\n".encode(), mtime)
    second = files_pipeline.run(str(folder))
    assert second.ledger.read == {"supplier_prices": 1}
    assert files_pipeline.count("supplier_prices") == 4
    assert files_pipeline.run(str(folder)).ledger.read == {}


def test_s3_files_uploaded_in_the_same_second_are_all_read(
    s3_client: Any,
    s3_bucket: str,
    demo_landing: tuple[Path, dict],
    tmp_path: Path,
    files_pipeline: FilePipeline,
) -> None:
    folder = tmp_path / "one_drop"
    shutil.copytree(demo_landing[0] / "tweets", folder / "tweets")
    upload_folder(s3_client, folder, s3_bucket, "in")
    listed = s3_client.list_objects_v2(Bucket=s3_bucket, Prefix="in/")["Contents"]
    seconds = [item["LastModified"].replace(microsecond=0) for item in listed]
    assert len(set(seconds)) < len(seconds)  # S3 keeps whole seconds: some files share a modification time
    run = files_pipeline.run(f"s3://{s3_bucket}/in")
    assert run.ledger.read == {"tweets": demo_landing[1]["landing_row_counts"]["tweets"]}
    assert run.unbalanced() == []


@pytest.mark.parametrize("chunk_bytes, chunk_rows", [(512, 7), (4_096, 64)])
def test_small_chunks_load_every_row(
    demo_landing: tuple[Path, dict], files_pipeline: FilePipeline, chunk_bytes: int, chunk_rows: int
) -> None:
    landing, manifest = demo_landing
    run = files_pipeline.run(str(landing), chunk_bytes=chunk_bytes, chunk_rows=chunk_rows)
    assert run.unbalanced() == []
    assert_loaded_like_the_manifest(files_pipeline, manifest)


def test_a_hidden_file_is_skipped_and_named_in_a_warning_on_a_folder(
    demo_landing: tuple[Path, dict],
    landing: Path,
    files_pipeline: FilePipeline,
    caplog: pytest.LogCaptureFixture,
) -> None:
    (landing / "tweets" / HIDDEN_NAME).write_bytes(HIDDEN_TWEET)
    (landing / "tweets" / "..\\..\\evil.jsonl").write_bytes(HIDDEN_TWEET)
    run = files_pipeline.run(str(landing))
    assert run.unbalanced() == []
    assert run.ledger.read == demo_landing[1]["landing_row_counts"], "a hidden file's rows were read"
    assert files_pipeline.rows("select count(*) from tweets where id = 'hidden-1'") == [(0,)]
    warned = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    for name in (HIDDEN_NAME, "evil.jsonl"):
        assert any(name in message and "starting with '.'" in message for message in warned), warned


def test_a_hidden_file_is_skipped_and_named_in_a_warning_on_s3(
    s3_client: Any,
    s3_landing: str,
    demo_landing: tuple[Path, dict],
    files_pipeline: FilePipeline,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bucket, prefix = s3_landing.removeprefix("s3://").split("/", 1)
    s3_client.put_object(Bucket=bucket, Key=f"{prefix}/tweets/{HIDDEN_NAME}", Body=HIDDEN_TWEET)
    counts = demo_landing[1]["landing_row_counts"]
    assert_hidden_file_skipped(files_pipeline, s3_landing, counts, caplog.records, "S3")
