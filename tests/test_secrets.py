"""Secrets never leak: a canary password and a canary API token, then a whole demo run, docs and status at DEBUG.

The Postgres password (the local server trusts every local connection, so any password works) and an API token
in the environment are random canaries. After `jaffle -v demo` with every logger at DEBUG, neither canary may
appear in a log record, in what the run printed (the dbt subprocess included: file descriptors are captured),
in any file under the data folder (run records, dlt's pipeline state, the DuckDB files and snapshot), in any
file dbt wrote into its target or log folder during the test (the docs page included), nor in the repr or str of
the configured Postgres credentials. On DuckDB the password is unused, but neither canary may leak there either.
"""

from __future__ import annotations

import gzip
import logging
import os
import secrets
import time
from pathlib import Path

import pytest

from warehouse import settings
from warehouse.cli import main
from warehouse.dbt import target_dir

pytestmark = pytest.mark.slow

SCALE = "0.02"
SEED = "7"
PASSWORD_VARIABLE = "DESTINATION__POSTGRES__CREDENTIALS__PASSWORD"
TOKEN_VARIABLE = "SOURCES__JAFFLE_API__TOKEN"


def dbt_output_folders() -> list[Path]:
    """Where dbt writes: its target folder and its log folder (``DBT_LOG_PATH`` or the project's ``logs``)."""
    logs = os.environ.get("DBT_LOG_PATH")
    return [target_dir(), Path(logs) if logs else settings.DBT_PROJECT_DIR / "logs"]


def files_under(folder: Path, modified_since: float | None = None) -> list[Path]:
    """Every file below a folder (optionally only those modified since a time), missing folders included."""
    if not folder.exists():
        return []
    files = [path for path in folder.rglob("*") if path.is_file() and not path.is_symlink()]
    if modified_since is not None:
        files = [path for path in files if path.stat().st_mtime >= modified_since]
    return files


def file_contents(path: Path) -> bytes:
    """A file's bytes, with the uncompressed content appended for gzip files (dlt compresses load files)."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data += gzip.decompress(data)
        except (OSError, EOFError):
            pass
    return data


def test_no_secret_leaks_from_a_demo_run(
    warehouse: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
):
    password = f"canary-{secrets.token_hex(8)}"
    token = f"canary-token-{secrets.token_hex(8)}"
    monkeypatch.setenv(PASSWORD_VARIABLE, password)
    monkeypatch.setenv(TOKEN_VARIABLE, token)
    monkeypatch.setenv("RUNTIME__LOG_LEVEL", "DEBUG")  # dlt's own logger, at its most talkative
    caplog.set_level(logging.DEBUG)
    # dlt's logger does not propagate and may have been set up by an earlier test: capture it directly.
    caplog.set_level(logging.DEBUG, logger="dlt")
    dlt_logger = logging.getLogger("dlt")
    dlt_logger.addHandler(caplog.handler)
    request.addfinalizer(lambda: dlt_logger.removeHandler(caplog.handler))
    started = time.time() - 1.0  # file times may be coarser than the clock

    assert main(["-v", "demo", "--scale", SCALE, "--seed", SEED]) == 0
    assert main(["-v", "docs"]) == 0  # the docs page, with the data-quality results added to it
    assert main(["status"]) == 0
    output = capfd.readouterr()

    canaries = {"password": password, "token": token}
    leaks: list[str] = []
    for label, canary in canaries.items():
        if canary in caplog.text:
            leaks.append(f"{label} in the formatted log")
        for record in caplog.records:
            if (
                canary in record.getMessage()
                or canary in repr(record.args)
                or canary in (record.exc_text or "")
            ):
                leaks.append(f"{label} in a log record of {record.name}: {record.getMessage()[:200]!r}")
        for stream, text in (("stdout", output.out), ("stderr", output.err)):
            if canary in text:
                line = next(line for line in text.splitlines() if canary in line)
                leaks.append(f"{label} on {stream}: {line[:200]!r}")

    data_files = files_under(data_dir)
    dbt_files = [
        path for folder in dbt_output_folders() for path in files_under(folder, modified_since=started)
    ]
    for path in [*data_files, *dbt_files]:
        contents = file_contents(path)
        for label, canary in canaries.items():
            if canary.encode() in contents:
                leaks.append(f"{label} in {path}")

    credentials = settings.postgres_credentials()
    assert credentials.password == password, "the canary password must be the configured one"
    for label, canary in canaries.items():
        for form, text in (("repr", repr(credentials)), ("str", str(credentials))):
            if canary in text:
                leaks.append(f"{label} in {form}(postgres_credentials())")

    print(
        f"\n[{warehouse}] searched {len(caplog.records)} log records, {len(output.out) + len(output.err)} characters"
        f" of output, {len(data_files)} data files and {len(dbt_files)} dbt files"
    )
    assert any(record.levelno == logging.DEBUG for record in caplog.records), "nothing was logged at DEBUG"
    assert any(record.name.startswith("dlt") for record in caplog.records), "dlt's log was not captured"
    assert any(path.suffix == ".json" and path.parent.name == "runs" for path in data_files)
    assert dbt_files, "dbt must have written its artifacts during the test"
    assert any(path.name == "static_index.html" for path in dbt_files), (
        "the docs page must have been searched"
    )
    assert any(path.parent.name == "reports" for path in data_files), (
        "the run's report must have been searched"
    )
    assert not leaks, f"{len(leaks)} leaks of a canary secret:\n" + "\n".join(leaks[:20])
