"""The lake's storage settings: Spark's S3A gets the credentials dlt writes with, and nothing for a local lake."""

from __future__ import annotations

from pathlib import Path

import pytest

from engines import lake_storage
from engines import spark_session as spark

CREDENTIALS = "DESTINATION__FILESYSTEM__CREDENTIALS__"


@pytest.fixture
def s3_lake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An s3:// lake with keys and an S3-compatible endpoint in dlt's settings."""
    monkeypatch.setenv("PROJECT__DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPARK__LAKE_URL", "s3://lake-bucket/raw")
    monkeypatch.setenv(f"{CREDENTIALS}AWS_ACCESS_KEY_ID", "key-id")
    monkeypatch.setenv(f"{CREDENTIALS}AWS_SECRET_ACCESS_KEY", "key-secret")
    monkeypatch.setenv(f"{CREDENTIALS}ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv(f"{CREDENTIALS}REGION_NAME", "eu-west-1")


def test_a_local_lake_adds_no_s3a_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PROJECT__DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SPARK__LAKE_URL", raising=False)
    monkeypatch.delenv("SPARK__JARS", raising=False)
    conf = spark.spark_conf()
    assert not [key for key in conf if key.startswith("spark.hadoop.fs.s3a.")]
    assert "spark.jars" not in conf


def test_an_s3_lake_gives_spark_the_credentials_dlt_uses(s3_lake: None) -> None:
    conf = spark.spark_conf()
    assert conf["spark.hadoop.fs.s3a.access.key"] == "key-id"
    assert conf["spark.hadoop.fs.s3a.secret.key"] == "key-secret"
    assert conf["spark.hadoop.fs.s3a.aws.credentials.provider"].endswith(".SimpleAWSCredentialsProvider")
    assert conf["spark.hadoop.fs.s3a.endpoint"] == "http://127.0.0.1:9000"
    assert conf["spark.hadoop.fs.s3a.path.style.access"] == "true"
    assert conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] == "false"
    assert conf["spark.hadoop.fs.s3a.endpoint.region"] == "eu-west-1"
    assert spark.spark_location(spark.lake_url()) == "s3a://lake-bucket/raw"


def test_keys_dlt_takes_from_the_aws_environment_are_left_to_s3a_own_chain(
    s3_lake: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(f"{CREDENTIALS}AWS_ACCESS_KEY_ID")
    monkeypatch.delenv(f"{CREDENTIALS}AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "chain-id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "chain-secret")
    conf = lake_storage.s3a_conf("s3a://lake-bucket/raw")
    assert "spark.hadoop.fs.s3a.access.key" not in conf, "no keys of dlt's own settings: none to pass"
    assert "spark.hadoop.fs.s3a.aws.credentials.provider" not in conf, "S3A's chain reads the AWS environment"
    assert conf["spark.hadoop.fs.s3a.endpoint"] == "http://127.0.0.1:9000"


def test_jars_that_do_not_exist_are_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    present = tmp_path / "present.jar"
    present.write_bytes(b"")
    monkeypatch.setenv("SPARK__JARS", f"{present}, {tmp_path / 'absent.jar'}")
    with pytest.raises(FileNotFoundError, match=r"absent\.jar.*install-s3a-jars"):
        lake_storage.extra_jars()
    monkeypatch.setenv("SPARK__JARS", str(present))
    assert lake_storage.extra_jars() == str(present)
