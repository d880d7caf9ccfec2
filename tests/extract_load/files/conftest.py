"""Fixtures for the file sources: demo landing files, a local S3 server (moto) and a pipeline runner."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import dlt
import pytest
from file_source_helpers import FilePipeline, upload_folder
from moto.server import ThreadedMotoServer

from demo.data import generate
from settings import dataset_of

DEMO_SCALE = 0.02
S3_KEY, S3_SECRET, S3_REGION = "testing-key", "testing-secret", "us-east-1"
_BUCKETS = itertools.count()


@pytest.fixture(scope="session")
def demo_landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A small generated data set: (its landing folder, its manifest), shared read-only by the tests."""
    out = tmp_path_factory.mktemp("files_demo")
    manifest = generate(out, seed=42, scale=DEMO_SCALE)
    return out / "landing", manifest


@pytest.fixture
def landing(demo_landing: tuple[Path, dict], tmp_path: Path) -> Path:
    """A private copy of the demo landing folder that a test may change."""
    return Path(shutil.copytree(demo_landing[0], tmp_path / "landing"))


@pytest.fixture
def files_pipeline(tmp_path: Path) -> FilePipeline:
    """A pipeline into DuckDB under tmp_path, with its state under tmp_path too."""
    pipeline = dlt.pipeline(
        pipeline_name="jaffle_files_test",
        destination=dlt.destinations.duckdb(str(tmp_path / "warehouse.duckdb")),
        dataset_name=dataset_of("jaffle_files"),
        pipelines_dir=str(tmp_path / "p"),
    )
    return FilePipeline(pipeline)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on loopback for the session; its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_client(s3_endpoint: str) -> Any:
    """A boto3 S3 client for the local server."""
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=S3_KEY,
        aws_secret_access_key=S3_SECRET,
        region_name=S3_REGION,
    )


@pytest.fixture
def s3_credentials(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file source's S3 credentials and endpoint, as environment variables in dlt's layout."""
    values = {
        "AWS_ACCESS_KEY_ID": S3_KEY,
        "AWS_SECRET_ACCESS_KEY": S3_SECRET,
        "REGION_NAME": S3_REGION,
        "ENDPOINT_URL": s3_endpoint,
    }
    for name, value in values.items():
        monkeypatch.setenv(f"SOURCES__JAFFLE_FILES__CREDENTIALS__{name}", value)


@pytest.fixture
def s3_bucket(s3_client: Any, s3_credentials: None) -> str:
    """A new empty bucket on the local server (a new name per test, so tests never share files)."""
    name = f"landing-{next(_BUCKETS)}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_landing(s3_client: Any, s3_bucket: str, demo_landing: tuple[Path, dict]) -> str:
    """The demo landing files uploaded to the local S3 server; the bucket URL the source reads."""
    upload_folder(s3_client, demo_landing[0], s3_bucket, "landing")
    return f"s3://{s3_bucket}/landing"


@pytest.fixture
def write_file() -> Callable[[Path, bytes, float | None], Path]:
    """Write bytes to a path (parents made), optionally setting its modification time."""

    def write(path: Path, data: bytes, mtime: float | None = None) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        return path

    return write
