"""The Spark driver's address is configuration: loopback by default, ``SPARK__DRIVER_HOST`` on a cluster."""

from __future__ import annotations

import pytest
import yaml

import settings
from engines import spark_session as spark


def test_the_driver_binds_loopback_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPARK__DRIVER_HOST", raising=False)
    conf = spark.spark_conf()
    assert conf["spark.driver.host"] == conf["spark.driver.bindAddress"] == "127.0.0.1"
    monkeypatch.setenv("SPARK__DRIVER_HOST", "10.0.0.7")
    conf = spark.spark_conf()
    assert conf["spark.driver.host"] == conf["spark.driver.bindAddress"] == "10.0.0.7"
    assert spark.profile_environment()["JAFFLE_PROFILE_SPARK_DRIVER_HOST"] == "10.0.0.7", (
        "dbt's session gets it too"
    )


def test_dbt_profile_reads_the_same_driver_host() -> None:
    profile = yaml.safe_load((settings.DBT_PROJECT_DIR / "profiles.yml").read_text())
    parameters = profile["jaffle_warehouse"]["outputs"]["spark"]["server_side_parameters"]
    for key in ("spark.driver.host", "spark.driver.bindAddress"):
        assert "env_var('JAFFLE_PROFILE_SPARK_DRIVER_HOST')" in parameters[key], key
