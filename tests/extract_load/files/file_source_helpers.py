"""Helpers for the file-source tests: a pipeline runner over DuckDB, an S3 upload and corpus assertions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dlt

from extract_load.files import FilesDeclaration, build_files_source
from extract_load.ledger import RowLedger
from extract_load.registry import declaration_of


def jaffle_files_source(bucket_url: str, ledger: RowLedger | None = None, **source_args: Any) -> Any:
    """The demo landing folder's declared source, reading ``bucket_url``."""
    return build_files_source(declaration_of("jaffle_files"), bucket_url, ledger, **source_args)


@dataclass
class FileRun:
    """One pipeline run of the file source: its ledger and the rows dlt normalized per table."""

    ledger: RowLedger
    row_counts: dict[str, int]

    def unbalanced(self) -> list[Any]:
        """Tables whose rows read differ from rows loaded plus rows quarantined."""
        return [r for r in self.ledger.reconcile(self.row_counts) if not r.balanced]


@dataclass
class FilePipeline:
    """A DuckDB pipeline under the test's tmp_path that runs the file source and queries the result."""

    pipeline: dlt.Pipeline

    def run(
        self, bucket_url: str, declaration: FilesDeclaration | None = None, **source_args: Any
    ) -> FileRun:
        """Extract, normalize and load the file source (the demo's, or ``declaration``'s) once with a fresh
        ledger."""
        ledger = RowLedger()
        declaration = declaration or declaration_of("jaffle_files")
        self.pipeline.run(build_files_source(declaration, bucket_url, ledger, **source_args))
        info = self.pipeline.last_trace.last_normalize_info
        counts = {t: n for t, n in (info.row_counts if info else {}).items() if not t.startswith("_dlt")}
        return FileRun(ledger, counts)

    def rows(self, sql: str, *args: Any) -> list[tuple]:
        """Rows of a query against the raw dataset (tables unqualified)."""
        with self.pipeline.sql_client() as client, client.execute_query(sql, *args) as cursor:
            return [tuple(row) for row in cursor.fetchall()]

    def has_table(self, table: str) -> bool:
        """True when the pipeline's schema holds the table (false before any schema exists)."""
        return bool(self.pipeline.default_schema_name) and table in self.pipeline.default_schema.tables

    def count(self, table: str) -> int:
        """Rows in one raw table (0 when it does not exist yet)."""
        if not self.has_table(table):
            return 0
        with self.pipeline.sql_client() as client:
            name = client.make_qualified_table_name(table)
            return int(client.execute_sql(f"select count(*) from {name}")[0][0])

    def quarantine(self) -> list[dict[str, Any]]:
        """The quarantine table as dicts, in origin order."""
        if not self.has_table("quarantine"):
            return []
        with self.pipeline.sql_client() as client:
            name = client.make_qualified_table_name("quarantine")
            rows = client.execute_sql(
                f"select table_name, origin, raw_text, reason from {name} order by origin"
            )
        return [dict(zip(("table_name", "origin", "raw_text", "reason"), row, strict=True)) for row in rows]


def upload_folder(client: Any, folder: Path, bucket: str, prefix: str) -> list[str]:
    """Upload every file under folder to s3://bucket/prefix/...; return the keys."""
    keys = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        key = f"{prefix}/{path.relative_to(folder).as_posix()}"
        client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
        keys.append(key)
    return keys


def corpus_bytes(lines: list[tuple[int, bytes, str | None]], header: bytes = b"") -> bytes:
    """The file: header, then the lines joined by newlines, the last without one (a truncated write)."""
    return header + b"\n".join(line for _, line, _ in lines)


def assert_quarantined(
    files_pipeline: FilePipeline, table: str, unit: str, expected: list[tuple[int, bytes, str | None]]
) -> None:
    """The quarantine holds exactly the rejected records of ``expected``, with origin, reason and raw text."""
    rows = {int(row["origin"].rsplit(f":{unit} ", 1)[1]): row for row in files_pipeline.quarantine()}
    rejected = {number: (raw, reason) for number, raw, reason in expected if reason}
    assert sorted(rows) == sorted(rejected)
    for number, (raw, reason) in rejected.items():
        row = rows[number]
        assert row["table_name"] == table
        assert reason in row["reason"], (number, row["reason"])
        assert row["raw_text"] == raw.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")


# A tweet in a file whose name marks an upload in progress: every storage skips it.
HIDDEN_TWEET = b'{"id": "hidden-1", "user_id": "u", "tweeted_at": "2024-01-01T00:00:00", "content": "x"}\n'
HIDDEN_NAME = ".upload-in-progress.jsonl"


def assert_hidden_file_skipped(
    files_pipeline: FilePipeline,
    landing_url: str,
    expected_reads: dict[str, int],
    records: list[Any],
    storage: str,
) -> None:
    """A run over ``landing_url`` (holding ``tweets/<HIDDEN_NAME>``) reads what a folder would and names the
    skipped file in a warning."""
    run = files_pipeline.run(landing_url)
    assert run.ledger.read == expected_reads, f"{storage} must skip hidden files as a folder does"
    assert files_pipeline.rows("select count(*) from tweets where id = 'hidden-1'") == [(0,)]
    warned = [record.getMessage() for record in records if record.levelname == "WARNING"]
    assert any(HIDDEN_NAME in message for message in warned), warned
