"""Secrets never leak: a canary password and a canary API token, then a whole demo run, docs and status at DEBUG.

The Postgres password (the local server trusts every local connection, so any password works) and an API token
in the environment are random canaries. After `jaffle -v demo` with every logger at DEBUG, neither canary may
appear in a log record, in what the run printed (the dbt subprocess included: file descriptors are captured),
in any file under the data folder (run records, dlt's pipeline state, the DuckDB files and snapshot), in any
file dbt wrote into its target or log folder during the test (the docs page included), nor in the repr or str of
the configured Postgres credentials. On DuckDB the password is unused, but neither canary may leak there either.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pytest
from canaries import canary, files_under, leaks_in_files

import settings
from settings import target_dir
from warehouse.cli import main

pytestmark = pytest.mark.slow

SCALE = "0.02"
SEED = "7"
PASSWORD_VARIABLE = "DESTINATION__POSTGRES__CREDENTIALS__PASSWORD"
TOKEN_VARIABLE = "SOURCES__JAFFLE_API__TOKEN"


def dbt_output_folders() -> list[Path]:
    """Where dbt writes: its target folder and its log folder (``DBT_LOG_PATH`` or the project's ``logs``)."""
    logs = os.environ.get("DBT_LOG_PATH")
    return [target_dir(), Path(logs) if logs else settings.DBT_PROJECT_DIR / "logs"]


def test_no_secret_leaks_from_a_demo_run(
    warehouse: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
):
    password = canary("password")
    token = canary("token")
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
    for label, value in canaries.items():
        if value in caplog.text:
            leaks.append(f"{label} in the formatted log")
        for record in caplog.records:
            if value in record.getMessage() or value in repr(record.args) or value in (record.exc_text or ""):
                leaks.append(f"{label} in a log record of {record.name}: {record.getMessage()[:200]!r}")
        for stream, text in (("stdout", output.out), ("stderr", output.err)):
            if value in text:
                line = next(line for line in text.splitlines() if value in line)
                leaks.append(f"{label} on {stream}: {line[:200]!r}")

    data_files = files_under(data_dir)
    dbt_files = [
        path for folder in dbt_output_folders() for path in files_under(folder, modified_since=started)
    ]
    leaks.extend(leaks_in_files(canaries, [*data_files, *dbt_files]))

    credentials = settings.postgres_credentials()
    assert credentials.password == password, "the canary password must be the configured one"
    for label, value in canaries.items():
        for form, text in (("repr", repr(credentials)), ("str", str(credentials))):
            if value in text:
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
