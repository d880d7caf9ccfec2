"""Fixtures of the Spark tests: one SparkSession per test process (its start costs about 20 s).

The hand-made raw fixture of the dbt tests (tests/dbt/raw_fixture.py) is the data set here too, so its folder
is importable from these tests.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))


@pytest.fixture(scope="session")
def spark_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The Spark target's working folder for the whole session: its metastore is fixed when the session starts."""
    folder = tmp_path_factory.mktemp("spark")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "UTC")  # PySpark hands timestamps to Python in the process's local time
        time.tzset()
        patch.setenv("SPARK__SHUFFLE_PARTITIONS", "1")
        yield folder
    time.tzset()


@pytest.fixture(scope="session")
def spark_session(spark_data_dir: Path) -> Iterator[Any]:
    """The process's SparkSession with the project's settings (engines.spark_session), stopped at the end."""
    from engines import spark_session as spark

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE", "spark")
        patch.setenv("PROJECT__DATA_DIR", str(spark_data_dir))
        session = spark.session()
    yield session
    session.stop()
    os.environ.pop("PYSPARK_GATEWAY_PORT", None)
