"""The landing folder on Google Cloud Storage (gs://), against a GCS emulator on loopback as S3 is against moto.

The source reaches the emulator through configuration alone, in dlt's layout: ``sources.jaffle_files.kwargs``
hands gcsfs the emulator's endpoint and ``token = "anon"``. dlt resolves gs credentials before gcsfs sees that
token: Application Default Credentials from a placeholder file resolve them offline, and dlt then gives gcsfs no
token of its own, so "anon" stands and the placeholders are never used. gcsfs's gRPC layer, which asks an API
no emulator serves for each bucket's layout (a minute of retries per file), is switched off by its environment
variable. Every name lookup and connection beyond this machine is refused and fails the test.
"""

from __future__ import annotations

import errno
import importlib.util
import ipaddress
import itertools
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
import pytest
from file_source_helpers import HIDDEN_NAME, HIDDEN_TWEET, FilePipeline, assert_hidden_file_skipped

from settings import dataset_of

# About 12 s a test (gcsfs reads small files slowly): the slow tier, sampled in make test.
pytestmark = pytest.mark.slow

PACKAGES = {"gcsfs": "the gs extra", "gcp_storage_emulator": "the dev extra"}
_BUCKETS = itertools.count()


def require_gcs_packages() -> None:
    """Skip when gcsfs or the emulator is not installed; fail when CI=true, where this test must run."""
    missing = [
        f"{name} ({extra})" for name, extra in PACKAGES.items() if importlib.util.find_spec(name) is None
    ]
    if not missing:
        return
    reason = f"{', '.join(missing)} not installed: `make setup EXTRAS=dev` installs them"
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason}; CI=true requires the GCS landing tests to run", pytrace=False)
    pytest.skip(reason)


def _on_this_machine(host: object) -> bool:
    """Whether a host is loopback, this machine's name, or no host at all."""
    name = host.decode() if isinstance(host, bytes) else str(host or "")
    if name in ("", "localhost", socket.gethostname()):
        return True
    try:
        return ipaddress.ip_address(name.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Refuse and record every name lookup and connection beyond this machine (a metadata server, Google)."""
    refused: list[str] = []
    lookup, connect = socket.getaddrinfo, socket.socket.connect

    def refuse(what: str) -> None:
        refused.append(what)
        raise OSError(errno.ENETUNREACH, f"the test refused {what}")

    def guarded_lookup(host: object, *args: Any, **kwargs: Any) -> Any:
        if not _on_this_machine(host):
            refuse(f"a name lookup of {host!r}")
        return lookup(host, *args, **kwargs)

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _on_this_machine(address[0]):
            refuse(f"a connection to {address}")
        return connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", guarded_lookup)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    yield refused
    assert refused == [], f"the GCS run tried to leave this machine: {refused}"


@pytest.fixture(scope="session")
def gcs_endpoint() -> Iterator[str]:
    """A GCS emulator (in memory) on loopback for the session; its endpoint URL."""
    require_gcs_packages()
    with pytest.MonkeyPatch.context() as patch:
        # Read when gcsfs is imported: the plain JSON-API filesystem, without the gRPC bucket-layout lookups.
        patch.setenv("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")
        import gcsfs
        from gcp_storage_emulator.server import create_server

        if gcsfs.GCSFileSystem is not gcsfs.core.GCSFileSystem:
            pytest.fail(
                "gcsfs was imported before this fixture set GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT=false: "
                "set it in the environment of the test run",
                pytrace=False,
            )
        server = create_server("127.0.0.1", 0, in_memory=True)
        server.start()
        host, port = server._api._httpd.server_address[:2]  # port 0: the one the system chose
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


@pytest.fixture
def gcs_client(gcs_endpoint: str) -> Any:
    """A google-cloud-storage client of the emulator, anonymous."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    return storage.Client(
        project="jaffle-test",
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": gcs_endpoint},
    )


@pytest.fixture
def gcs_configuration(gcs_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file source's GCS settings for the emulator, as environment variables in dlt's layout."""
    placeholder = tmp_path / "application_default_credentials.json"
    placeholder.write_text(
        json.dumps(
            {"type": "authorized_user", "client_id": "none", "client_secret": "none", "refresh_token": "none"}
        )
    )
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(placeholder))
    monkeypatch.setenv(
        "SOURCES__JAFFLE_FILES__KWARGS", json.dumps({"token": "anon", "endpoint_url": gcs_endpoint})
    )


@pytest.fixture
def gcs_landing(gcs_client: Any, gcs_configuration: None, demo_landing: tuple[Path, dict]) -> str:
    """The demo landing files uploaded to a new bucket (one per test); the bucket URL the source reads."""
    bucket = gcs_client.create_bucket(f"landing-{next(_BUCKETS)}")
    folder = demo_landing[0]
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        bucket.blob(f"landing/{path.relative_to(folder).as_posix()}").upload_from_filename(str(path))
    return f"gs://{bucket.name}/landing"


def table_rows(files_pipeline: FilePipeline) -> dict[str, list[tuple]]:
    """Every data table's rows, sorted, without dlt's own columns (load ids and row ids differ per run)."""
    schema = files_pipeline.pipeline.default_schema
    tables = {}
    with files_pipeline.pipeline.sql_client() as client:
        for table in schema.data_table_names():
            columns = ", ".join(
                client.escape_column_name(name)
                for name in schema.get_table_columns(table)
                if not name.startswith("_dlt_")
            )
            name = client.make_qualified_table_name(table)
            tables[table] = sorted(client.execute_sql(f"select {columns} from {name}"), key=repr)
    return tables


def test_every_format_loads_from_gcs_as_from_a_folder_and_a_rerun_reads_nothing(
    gcs_landing: str, demo_landing: tuple[Path, dict], files_pipeline: FilePipeline, tmp_path: Path
) -> None:
    run = files_pipeline.run(gcs_landing)
    assert run.unbalanced() == []
    assert run.ledger.read == demo_landing[1]["landing_row_counts"]
    assert files_pipeline.quarantine() == []
    local = FilePipeline(
        dlt.pipeline(
            pipeline_name="jaffle_files_local",
            destination=dlt.destinations.duckdb(str(tmp_path / "local.duckdb")),
            dataset_name=dataset_of("jaffle_files"),
            pipelines_dir=str(tmp_path / "local"),
        )
    )
    assert local.run(str(demo_landing[0])).ledger.read == run.ledger.read
    rows = table_rows(files_pipeline)
    assert {"tweets", "supplier_prices", "store_events", "loyalty_events"} <= set(rows)
    assert rows == table_rows(local)
    assert files_pipeline.run(gcs_landing).ledger.read == {}


def test_a_hidden_file_is_skipped_and_named_in_a_warning_on_gcs(
    gcs_client: Any,
    gcs_landing: str,
    demo_landing: tuple[Path, dict],
    files_pipeline: FilePipeline,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bucket, prefix = gcs_landing.removeprefix("gs://").split("/", 1)
    gcs_client.bucket(bucket).blob(f"{prefix}/tweets/{HIDDEN_NAME}").upload_from_string(HIDDEN_TWEET)
    counts = demo_landing[1]["landing_row_counts"]
    assert_hidden_file_skipped(files_pipeline, gcs_landing, counts, caplog.records, "GCS")
