"""What every Spark process here needs: Java 17+, Spark's home (the pyspark wheel), loopback-only settings."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

# Debian's libpostgresql-jdbc-java (scripts/install-java.sh installs it).
POSTGRES_JDBC_JAR = Path("/usr/share/java/postgresql.jar")
LOOPBACK = "127.0.0.1"
# For short-lived JVMs (tests, one-off rehearsals): C1 compiler only and the serial collector start faster and
# use less CPU on a busy machine; long-running cluster daemons should keep the JVM's defaults.
SHORT_LIVED_JVM = {"JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"}


class SparkPrerequisiteMissing(RuntimeError):
    """Java 17+ or the PostgreSQL JDBC driver is not installed."""


def java_major_version() -> int | None:
    """The major version of ``java`` on PATH (17 for "17.0.15"), or None without one."""
    java = shutil.which("java")
    if java is None:
        return None
    result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)', result.stderr + result.stdout)
    return int(match.group(1)) if match else None


def missing_prerequisites(jdbc: bool = False) -> str | None:
    """None when Java 17+ (and, with ``jdbc``, the JDBC driver) is installed, else what is missing and how to fix it."""
    missing = []
    major = java_major_version()
    if major is None or major < 17:
        missing.append(f"Java 17 or later (found: {major or 'none'})")
    if jdbc and not POSTGRES_JDBC_JAR.is_file():
        missing.append(f"PostgreSQL's JDBC driver ({POSTGRES_JDBC_JAR})")
    if not missing:
        return None
    return f"{' and '.join(missing)} missing: run scripts/install-java.sh as root (Debian's packages)"


def require_prerequisites(jdbc: bool = False) -> None:
    """Raise SparkPrerequisiteMissing with the fix when Java 17+ (or the JDBC driver) is missing."""
    reason = missing_prerequisites(jdbc)
    if reason:
        raise SparkPrerequisiteMissing(reason)


def spark_home() -> Path:
    """The Spark distribution inside the pyspark wheel (bin/spark-class, jars/)."""
    import pyspark

    return Path(pyspark.__file__).parent


def loopback_environment() -> dict[str, str]:
    """This process's environment for a Spark JVM that binds and advertises 127.0.0.1 only.

    SPARK_LOCAL_IP is what the web UIs bind to (0.0.0.0 without it) and what RPC endpoints bind to by default.
    """
    return os.environ | {
        "SPARK_HOME": str(spark_home()),
        "SPARK_LOCAL_IP": LOOPBACK,
        "SPARK_LOCAL_HOSTNAME": LOOPBACK,
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
    }


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]
