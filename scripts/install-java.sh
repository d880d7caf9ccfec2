#!/usr/bin/env bash
# Install Java 17+ and PostgreSQL's JDBC driver from Debian's packages, for the Spark target; idempotent.
# Spark 4 needs Java 17 or later; the driver (/usr/share/java/postgresql.jar) lets Spark keep its Hive
# metastore in PostgreSQL (docs/scale-out.md). DuckDB and Postgres warehouses need neither.
# `--check` only reports: exit 1 when something is missing, nothing installed.
set -euo pipefail
check_only=false
[ "${1:-}" = "--check" ] && check_only=true

JDBC_JAR=/usr/share/java/postgresql.jar

java_major() {
    # "openjdk version "17.0.15" ..." -> 17 (and "1.8.0_x" -> 1); empty when there is no java.
    command -v java >/dev/null 2>&1 || return 0
    java -version 2>&1 | sed -n 's/.* version "\([0-9]*\)[."].*/\1/p' | head -n 1 || true
}

packages=()
major=$(java_major)
if [ -n "$major" ] && [ "$major" -ge 17 ]; then
    echo "Java is installed: $(java -version 2>&1 | head -n 1)"
else
    echo "Java 17 or later is missing (found: ${major:-none})"
    packages+=(openjdk-17-jre-headless)
fi
if [ -f "$JDBC_JAR" ]; then
    echo "PostgreSQL JDBC driver is installed: $JDBC_JAR"
else
    packages+=(libpostgresql-jdbc-java)
fi
[ ${#packages[@]} -eq 0 ] && exit 0

if $check_only || [ "$(id -u)" -ne 0 ]; then
    echo "missing for the Spark target: install with \`sudo apt-get install -y ${packages[*]}\`" \
        "(or run scripts/install-java.sh as root). Without them WAREHOUSE=spark cannot run and its tests" \
        "skip locally (fail with CI=true); DuckDB and Postgres need neither." >&2
    exit 1
fi
echo "installing ${packages[*]} from Debian's packages"
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
echo "Java is installed: $(java -version 2>&1 | head -n 1); JDBC driver: $(ls "$JDBC_JAR")"
