#!/usr/bin/env bash
# Create .venv and install the project with the core dependencies and the extras named (pyproject.toml's
# [project.optional-dependencies]; `dev` is every extra and the test tools): scripts/setup-venv.sh [EXTRA...]
#
# One lock for all: requirements.lock is compiled with every extra (`uv pip compile pyproject.toml --extra dev`,
# and dev pulls the others). An install asks for the project with some extras and takes the lock as
# constraints (-c): it installs only what those extras need, each package at the lock's version, so the core
# is the same with or without Spark or Airflow. The extras installed so far are kept in .venv/extras; each run
# installs them again with the ones named (uv's --exact removes what none of them needs), and marks each with
# .venv/.extra-NAME for the Makefile.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
"$python" -c 'import sys; assert sys.version_info[:2] == (3, 11), f"Python 3.11 is required, found {sys.version}"'
[ -x .venv/bin/python ] || "$python" -m venv .venv

known=$(.venv/bin/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"])')
for extra in "$@"; do
    [[ " $known " == *" $extra "* ]] || { echo "unknown extra '$extra' (pyproject.toml has: $known)" >&2; exit 2; }
done
recorded=$(cat .venv/extras 2>/dev/null || true)
new=$(for extra in "$@"; do [[ " $recorded " == *" $extra "* ]] || echo "$extra"; done | xargs)
extras=$(printf '%s\n' $recorded "$@" | sort -u | xargs)
[[ " $extras " != *" dev "* ]] || extras=$known  # dev pulls every extra: mark each as installed
if [ -n "$new" ] && [ -f .venv/.installed ]; then
    echo "installing the optional dependencies '$new' on first use (pyproject.toml, versions from requirements.lock)"
fi
project=".${extras:+[${extras// /,}]}"

if [ -x .venv/bin/uv ] || .venv/bin/python -m pip install --quiet --disable-pip-version-check \
    "$(grep -m1 '^uv==' requirements.lock)" >/dev/null 2>&1; then
    # Bytecode compiled at install: uv does not by default, and with PYTHONDONTWRITEBYTECODE set every process
    # (each jaffle command, each dbt run) would compile dlt, dbt and Great Expectations from source again.
    .venv/bin/uv pip install --quiet --exact --compile-bytecode --python .venv/bin/python \
        -c requirements.lock -e "$project"
    # pip only bootstrapped uv: the environment holds what the lock says and nothing else (`.venv/bin/uv pip`).
    .venv/bin/uv pip uninstall --quiet --python .venv/bin/python pip 2>/dev/null || true
else
    echo "uv is not available: installing with pip (slower)" >&2
    .venv/bin/python -m pip install --quiet -c requirements.lock -e "$project"
fi
echo "$extras" >.venv/extras
# Java 17 (and the JDBC driver) only for the Spark target: a warning otherwise, a failure with WAREHOUSE=spark.
scripts/install-java.sh --check >/dev/null || [ "${WAREHOUSE:-duckdb}" != spark ] || exit 1
touch .venv/.installed
for extra in $extras; do touch ".venv/.extra-$extra"; done
# The versions from the lock (uv installed exactly those): starting dbt and dlt here took seconds.
echo "environment ready: $(grep -E '^(dbt-core|dlt)==' requirements.lock | xargs) (requirements.lock), extras: ${extras:-none}"
