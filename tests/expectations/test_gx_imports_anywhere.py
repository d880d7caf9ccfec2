"""Great Expectations imports in any process, including one whose ``__main__`` has no file.

GX imports ``pyspark.sql.connect`` when pyspark is installed; without Spark Connect's packages, pyspark takes
such a process (``python -c``, a pytest-xdist worker) for a doctest run and exits it with status 0, silently.
"""

from __future__ import annotations

import subprocess
import sys


def test_importing_gx_from_python_c_does_not_exit_the_process() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import great_expectations; print('imported')"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0 and result.stdout.strip() == "imported", result.stderr[-2000:]
