"""A Hive metastore kept in PostgreSQL: its schema created up front, then Spark's settings to share it.

Spark's built-in Hive client (2.3) stores the catalog through DataNucleus. Hive's own schema scripts
(``schematool -initSchema``) ship with a Hive distribution, not with Spark, so the schema is created here by
DataNucleus' SchemaTool from the metastore's own mapping (``package.jdo`` in Spark's hive-metastore jar), once,
before any Spark process starts. Every Spark process then runs with schema auto-creation off and schema
verification on: none of them ever creates or alters a metastore table, however many share the catalog.

``python -m spark_cluster.metastore --database NAME`` creates the schema in an existing database.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import zipfile
from pathlib import Path
from urllib.parse import quote

from .environment import POSTGRES_JDBC_JAR, SHORT_LIVED_JVM, require_prerequisites, spark_home

# The schema version Hive 2.3.x checks for (hive-schema-2.3.0.*.sql), written to the VERSION table.
HIVE_SCHEMA_VERSION = "2.3.0"
PASSWORD_VARIABLE = "SPARK_METASTORE_PASSWORD"
# DataNucleus id allocation: Hive's defaults, so the schema matches what the metastore then reads.
DATANUCLEUS = {
    "datanucleus.identifierFactory": "datanucleus1",
    "datanucleus.rdbms.useLegacyNativeValueStrategy": "true",
    "datanucleus.storeManagerType": "rdbms",
}
# Created by DataNucleus on first use otherwise; created here so that no Spark process needs DDL rights.
SEQUENCE_TABLE = (
    'create table if not exists "SEQUENCE_TABLE" ('
    '"SEQUENCE_NAME" varchar(255) not null constraint "SEQUENCE_TABLE_PK" primary key, "NEXT_VAL" bigint not null)'
)


def jdbc_url(host: str, port: int, database: str) -> str:
    """``jdbc:postgresql://host:port/database``."""
    return f"jdbc:postgresql://{host}:{port}/{quote(database, safe='')}"


def metastore_conf(url: str, user: str, warehouse_dir: str) -> dict[str, str]:
    """Spark settings for the shared catalog: the metastore at ``url``, managed tables under ``warehouse_dir``.

    ``warehouse_dir`` is a URL: file:///... here, s3a://bucket/path or hdfs://namenode/path on a cluster.
    The password comes from SPARK_METASTORE_PASSWORD (none when unset).
    """
    return {
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": warehouse_dir,
        # On the driver JVM's class path, where the Hive client finds it (read when the JVM starts).
        "spark.driver.extraClassPath": str(POSTGRES_JDBC_JAR),
        "spark.hadoop.javax.jdo.option.ConnectionURL": url,
        "spark.hadoop.javax.jdo.option.ConnectionDriverName": "org.postgresql.Driver",
        "spark.hadoop.javax.jdo.option.ConnectionUserName": user,
        "spark.hadoop.javax.jdo.option.ConnectionPassword": os.environ.get(PASSWORD_VARIABLE, ""),
        "spark.hadoop.datanucleus.schema.autoCreateAll": "false",
        "spark.hadoop.hive.metastore.schema.verification": "true",
    }


def create_schema(host: str, port: int, user: str, database: str, password: str | None = None) -> bool:
    """Create the metastore's tables and its VERSION row in ``database``; False when they were there already."""
    import psycopg2

    require_prerequisites(jdbc=True)
    connection = psycopg2.connect(host=host, port=port, user=user, password=password, dbname=database)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("select to_regclass('\"VERSION\"') is not null")
            if cursor.fetchone()[0]:
                return False
            _run_schema_tool(jdbc_url(host, port, database), user, password or "")
            cursor.execute(SEQUENCE_TABLE)
            cursor.execute(
                'insert into "VERSION" ("VER_ID", "SCHEMA_VERSION", "VERSION_COMMENT") values (1, %s, %s)',
                (HIVE_SCHEMA_VERSION, f"Hive release version {HIVE_SCHEMA_VERSION}"),
            )
    finally:
        connection.close()
    return True


def _run_schema_tool(url: str, user: str, password: str) -> None:
    """DataNucleus' SchemaTool: create every table the metastore's JDO mapping declares."""
    jars = spark_home() / "jars"
    metastore_jar = next(jars.glob("hive-metastore-*.jar"))
    with tempfile.TemporaryDirectory(prefix="metastore_schema_") as folder:
        with zipfile.ZipFile(metastore_jar) as jar:
            mapping = Path(jar.extract("package.jdo", folder))
        properties = Path(folder) / "datanucleus.properties"
        settings = DATANUCLEUS | {
            "javax.jdo.option.ConnectionURL": url,
            "javax.jdo.option.ConnectionDriverName": "org.postgresql.Driver",
            "javax.jdo.option.ConnectionUserName": user,
            "javax.jdo.option.ConnectionPassword": password,
            "datanucleus.schema.autoCreateAll": "true",
        }
        properties.touch(mode=0o600)
        properties.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
        class_path = f"{jars}/*:{POSTGRES_JDBC_JAR}:{folder}"
        command = ["java", "-cp", class_path, "org.datanucleus.store.schema.SchemaTool"]
        command += ["-create", "-api", "JDO", "-props", str(properties), str(mapping)]
        environment = os.environ | SHORT_LIVED_JVM  # a one-off JVM
        result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
        if result.returncode != 0 or "completed successfully" not in result.stdout:
            raise RuntimeError(
                f"DataNucleus SchemaTool failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )


def main() -> None:
    """Parse the server and database, create the schema, say whether it was created."""
    parser = argparse.ArgumentParser(prog="python -m spark_cluster.metastore", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5432)
    parser.add_argument("--user", default="postgres")
    parser.add_argument(
        "--database", required=True, help="an existing database, empty or holding the metastore"
    )
    arguments = parser.parse_args()
    password = os.environ.get(PASSWORD_VARIABLE)
    created = create_schema(arguments.host, arguments.port, arguments.user, arguments.database, password)
    where = jdbc_url(arguments.host, arguments.port, arguments.database)
    print(f"metastore schema {HIVE_SCHEMA_VERSION} {'created' if created else 'already present'} in {where}")


if __name__ == "__main__":
    main()
