"""On ``WAREHOUSE=spark`` a command that does not run there yet stops before it touches anything, and says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from engines import engine_named
from warehouse.cli import main


@pytest.mark.parametrize("command", ["docs", "dbt-sources"])
def test_a_command_not_on_spark_fails_clearly_and_starts_nothing(
    command: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("WAREHOUSE", "spark")
    assert not engine_named("spark").capabilities.supports(command)
    assert main([command]) == 1
    error = capsys.readouterr().err
    assert f"`jaffle {command}` does not run on WAREHOUSE=spark yet" in error and "docs/spark.md" in error
    assert not (data_dir / "spark").exists(), "no Spark session, no metastore was started"
