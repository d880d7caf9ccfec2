#!/usr/bin/env bash
# Create .venv from the pinned lock file (uv when it can be had, pip otherwise) and install the project.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
"$python" -c 'import sys; assert sys.version_info[:2] == (3, 11), f"Python 3.11 is required, found {sys.version}"'
[ -x .venv/bin/python ] || "$python" -m venv .venv
if .venv/bin/python -m pip install --quiet --disable-pip-version-check uv >/dev/null 2>&1; then
    # Bytecode compiled at install: uv does not by default, and with PYTHONDONTWRITEBYTECODE set every process
    # (each jaffle command, each dbt run) would compile dlt, dbt and Great Expectations from source again.
    .venv/bin/uv pip sync --quiet --compile-bytecode --python .venv/bin/python requirements.lock
    .venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps -e .
else
    echo "uv is not available: installing with pip (slower)" >&2
    .venv/bin/python -m pip install --quiet -r requirements.lock
    .venv/bin/python -m pip install --quiet --no-deps -e .
fi
# Java 17 (and the JDBC driver) only for the Spark target: a warning otherwise, a failure with WAREHOUSE=spark.
scripts/install-java.sh --check >/dev/null || [ "${WAREHOUSE:-duckdb}" != spark ] || exit 1
touch .venv/.installed
echo "environment ready: $(.venv/bin/dbt --version 2>/dev/null | sed -n 2p | xargs), dlt $(.venv/bin/python -c 'import dlt; print(dlt.__version__)')"
