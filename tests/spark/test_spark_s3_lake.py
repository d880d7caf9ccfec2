"""The Spark target on an ``s3://`` lake: dlt writes the raw Parquet to a local S3-compatible server (moto on
loopback), the metastore declares the tables at ``s3a://`` locations, and ``dbt build`` on Spark reads them
through Hadoop's S3A with the credentials dlt used (engines/lake_storage.py).

Spark needs hadoop-aws and the AWS SDK on its classpath: ``bash scripts/install-s3a-jars.sh`` puts them in
.venv/spark-jars (.ci/run does). Without them the test skips, except with CI=true, where it fails. The driver
is a child process (tests/spark/s3_lake_driver.py): the jars must be on the JVM's classpath when it starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import boto3
import pytest
from canaries import canary, files_under, leaks_in_files, leaks_in_texts
from moto.server import ThreadedMotoServer
from raw_fixture import EXPECTED

pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parents[2]
BUCKET = "jaffle-lake"
# The secret key is a canary (moto accepts any): it must appear in nothing the run prints or writes.
KEYS = {"AWS_ACCESS_KEY_ID": "lake-test-key", "AWS_SECRET_ACCESS_KEY": canary("s3-secret")}


def s3a_jars() -> str:
    """The SPARK__JARS value for the installed S3A jars; skip (fail with CI=true) when they are missing."""
    check = subprocess.run(
        ["bash", str(REPOSITORY / "scripts" / "install-s3a-jars.sh"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    if check.returncode == 0:
        return check.stdout.strip().splitlines()[-1]
    reason = f"S3A jars are not installed ({check.stderr.strip()})"
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason}: CI=true requires the S3 lake test to run", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on loopback with the lake's bucket; its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def test_dbt_builds_on_spark_from_an_s3_lake(s3_endpoint: str, tmp_path: Path):
    jars = s3a_jars()
    credentials = "DESTINATION__FILESYSTEM__CREDENTIALS__"
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "DESTINATION__"))
    } | {
        "WAREHOUSE": "spark",
        "PROJECT__DATA_DIR": str(tmp_path / "data"),
        "SPARK__LAKE_URL": f"s3://{BUCKET}/lake",
        "SPARK__JARS": jars,
        "SPARK__SHUFFLE_PARTITIONS": "1",
        f"{credentials}AWS_ACCESS_KEY_ID": KEYS["AWS_ACCESS_KEY_ID"],
        f"{credentials}AWS_SECRET_ACCESS_KEY": KEYS["AWS_SECRET_ACCESS_KEY"],
        f"{credentials}ENDPOINT_URL": s3_endpoint,
        f"{credentials}REGION_NAME": "us-east-1",
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "RUNTIME__DLTHUB_TELEMETRY": "false",
        "TZ": "UTC",
        "PYTHONPATH": str(REPOSITORY),
    }
    driver = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("s3_lake_driver.py"))],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert driver.returncode == 0, f"the S3 lake driver failed:\n{driver.stderr[-6000:]}"
    secret = {"S3 secret key": KEYS["AWS_SECRET_ACCESS_KEY"]}
    leaks = leaks_in_texts(
        secret, {"the driver's stdout": driver.stdout, "its stderr (Spark's log)": driver.stderr}
    )
    leaks += leaks_in_files(secret, files_under(tmp_path))
    assert not leaks, "the S3 secret key leaked:\n" + "\n".join(leaks[:20])
    result = json.loads(driver.stdout.strip().splitlines()[-1])

    locations = result["locations"]
    assert "raw_jaffle_api.orders" in locations and "raw_jaffle_oltp._dlt_loads" in locations, sorted(
        locations
    )
    off_lake = {
        table: at for table, at in locations.items() if not at.startswith(f"s3a://{BUCKET}/lake/raw_")
    }
    assert not off_lake, f"raw tables declared outside the S3 lake: {off_lake}"
    assert not (tmp_path / "data" / "lake").exists(), "raw data was written to the local default lake"

    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **{
        "aws_access_key_id": KEYS["AWS_ACCESS_KEY_ID"], "aws_secret_access_key": KEYS["AWS_SECRET_ACCESS_KEY"],
    })  # fmt: skip
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix="lake/raw_jaffle_api/orders/")
    assert any(item["Key"].endswith(".parquet") for item in listed.get("Contents", [])), listed

    assert result["tests_passed"] > 100, f"dbt build passed only {result['tests_passed']} data and unit tests"
    orders = result["orders"]
    assert set(orders) == set(EXPECTED["orders"]), f"orders mart: {sorted(orders)}"
    for order_id, expected in EXPECTED["orders"].items():
        for column in ("order_total", "count_order_items", "customer_order_number"):
            if column in expected:
                found = orders[order_id][column]
                found = Decimal(found) if isinstance(expected[column], Decimal) else found
                assert found == expected[column], f"{order_id}.{column}: {found} != {expected[column]}"
