"""How the cluster tests run a Spark driver: Java required (skipped without it, failed with CI=true), a child
process per rehearsal step, on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spark_cluster.environment import SHORT_LIVED_JVM, loopback_environment, missing_prerequisites

REPOSITORY = Path(__file__).resolve().parents[2]


def require_spark_prerequisites(jdbc: bool = False) -> None:
    """Skip without Java 17+ (or the JDBC driver); fail when CI=true, where the cluster path must be proven."""
    reason = missing_prerequisites(jdbc)
    if reason is None:
        return
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason}: CI=true requires the Spark cluster tests to run", pytrace=False)
    pytest.skip(reason)


def rehearsal_command(*arguments: str) -> list[str]:
    """``python -m spark_cluster.rehearsal <arguments>`` with this interpreter."""
    return [sys.executable, "-m", "spark_cluster.rehearsal", *arguments]


def rehearsal_environment() -> dict[str, str]:
    """A child driver's environment: loopback only, a quick-starting JVM, the repository importable anywhere."""
    return loopback_environment() | SHORT_LIVED_JVM | {"PYTHONPATH": str(REPOSITORY)}


def run_rehearsal(*arguments: str, cwd: Path, timeout: float = 300) -> dict:
    """Run one rehearsal step as its own Spark driver process in ``cwd``; return its JSON result."""
    cwd.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        rehearsal_command(*arguments),
        cwd=cwd,
        env=rehearsal_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"{arguments[0]} failed:\n{result.stderr[-4000:]}"
    return json.loads(result.stdout.strip().splitlines()[-1])
