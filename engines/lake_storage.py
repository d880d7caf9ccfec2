"""Where the Spark target's lake lives and how to reach it: one configuration for dlt, fsspec and Spark.

The lake URL is ``SPARK__LAKE_URL`` (``engines.spark_session.lake_url``); its credentials are dlt's own settings of
the filesystem destination (``DESTINATION__FILESYSTEM__CREDENTIALS__*`` or ``.dlt/secrets.toml``), so dlt
writes, the project lists and removes (fsspec), and Spark reads (Hadoop's S3A) with the same ones.

On an ``s3://`` or ``s3a://`` lake, Spark needs ``hadoop-aws`` and its AWS SDK on its classpath
(``SPARK__JARS``, docs/spark.md) and the settings ``s3a_conf`` derives from the credentials. Secrets go
to Spark as configuration values only; Spark redacts them (``spark.redaction.regex``) and nothing here logs
them.
"""

from __future__ import annotations

import os
from typing import Any

import settings

S3_SCHEMES = ("s3://", "s3a://")
# hadoop-aws builds older than Hadoop 3.4 read these as plain numbers, while the core-default.xml of Hadoop
# 3.4 and later (pyspark 4 ships 3.5) writes them with units ("60s"); numbers in their default units suit both.
S3A_PLAIN_DURATIONS = {
    "fs.s3a.threads.keepalivetime": "60",  # seconds
    "fs.s3a.connection.establish.timeout": "30000",  # milliseconds, from here on
    "fs.s3a.connection.timeout": "200000",
    "fs.s3a.connection.request.timeout": "0",
    "fs.s3a.connection.acquisition.timeout": "60000",
    "fs.s3a.connection.idle.time": "60000",
    "fs.s3a.connection.ttl": "300000",
    "fs.s3a.multipart.purge.age": "86400",  # seconds
}


def is_s3(url: str) -> bool:
    """Whether a lake URL is on S3 (or an S3-compatible server)."""
    return url.startswith(S3_SCHEMES)


def lake_configuration(url: str) -> Any:
    """dlt's resolved filesystem configuration for ``url`` (its credentials from dlt's config and secrets)."""
    from dlt.common.configuration import resolve_configuration
    from dlt.common.storages.configuration import FilesystemConfiguration

    bucket = "s3://" + url.removeprefix("s3a://") if url.startswith("s3a://") else url
    return resolve_configuration(
        FilesystemConfiguration(bucket_url=bucket), sections=("destination", "filesystem")
    )


def lake_filesystem(url: str) -> tuple[Any, str]:
    """An authenticated fsspec file system for a lake URL, and the URL's path in it."""
    from dlt.common.storages.fsspec_filesystem import fsspec_from_config

    if "://" not in url:
        import fsspec

        return fsspec.core.url_to_fs(url)
    filesystem, _ = fsspec_from_config(lake_configuration(url))
    return filesystem, url.split("://", 1)[1]


def s3a_conf(url: str) -> dict[str, str]:
    """Spark's ``spark.hadoop.fs.s3a.*`` settings for an S3 lake (none for any other URL).

    With keys in dlt's settings, S3A uses exactly those (``SimpleAWSCredentialsProvider``, or
    ``TemporaryAWSCredentialsProvider`` with a session token). Without them (dlt then takes the standard AWS
    environment or profile), S3A keeps its own provider chain, which reads the same. An ``endpoint_url`` (an
    S3-compatible server) gets path-style access, and SSL only when it is https.
    """
    if not is_s3(url):
        return {}
    credentials = lake_configuration(url).credentials
    conf = dict(S3A_PLAIN_DURATIONS)
    if credentials.aws_access_key_id and credentials.aws_secret_access_key:
        conf["fs.s3a.access.key"] = credentials.aws_access_key_id
        conf["fs.s3a.secret.key"] = credentials.aws_secret_access_key
        if credentials.aws_session_token:
            conf["fs.s3a.session.token"] = credentials.aws_session_token
            provider = "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider"
        else:
            provider = "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"
        conf["fs.s3a.aws.credentials.provider"] = provider
    if credentials.endpoint_url:
        conf["fs.s3a.endpoint"] = credentials.endpoint_url
        conf["fs.s3a.path.style.access"] = "true"
        conf["fs.s3a.connection.ssl.enabled"] = str(credentials.endpoint_url.startswith("https://")).lower()
    if credentials.region_name:
        conf["fs.s3a.endpoint.region"] = credentials.region_name
    return {f"spark.hadoop.{key}": value for key, value in conf.items()}


def extra_jars() -> str:
    """Jars for Spark's classpath (``[spark] jars``, comma-separated paths), e.g. hadoop-aws for S3."""
    jars = settings.current().spark.jars
    missing = [jar for jar in jars if "://" not in jar and not os.path.exists(jar)]
    if missing:
        raise FileNotFoundError(
            f"SPARK__JARS names jars that do not exist: {', '.join(missing)} "
            "(install them, e.g. `bash scripts/install-s3a-jars.sh`, or fix [spark] jars)"
        )
    return ",".join(jars)
