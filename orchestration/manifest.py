"""``python -m orchestration.manifest``: ``dbt parse`` writes the manifest the DAG is rendered from."""

from __future__ import annotations

import sys

from warehouse.dbt import run_dbt

from .environment import manifest_path, switch_telemetry_off


def write_manifest() -> int:
    """Run ``dbt parse`` (no warehouse needed); return its exit code."""
    switch_telemetry_off()
    completed = run_dbt("parse")
    if completed.returncode == 0:
        print(f"dbt manifest: {manifest_path()}")
    return completed.returncode


if __name__ == "__main__":
    sys.exit(write_manifest())
