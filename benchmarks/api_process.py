"""The API stand-in in a process of its own for the bench, as a remote API would be: its time is not the pipeline's.

``jaffle el --api local`` serves the demo API from a thread of its own process; at 10M order items that thread
held the GIL for about a third of the samples (py-spy) and its in-memory copy of the data peaked at 5.3 GB, so
the bench's whole-pipeline runs point ``jaffle el`` at this process instead, and at the demo's other sources
through their ordinary settings.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from settings import PROJECT_ROOT

SERVING = re.compile(r"serving (http://\S+)")
START_SECONDS = 900.0  # loading 10M items into the stand-in's DuckDB takes about half a minute


def _announced_url(log: Path, process: subprocess.Popen) -> str:
    """Wait for the stand-in's "serving <url>" line; fail with its log when it exits or takes too long."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        found = SERVING.search(log.read_text()) if log.exists() else None
        if found:
            return found.group(1)
        if process.poll() is not None:
            raise RuntimeError(f"the API stand-in exited {process.returncode}:\n{log.read_text()[-2000:]}")
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the API stand-in did not start serving within {START_SECONDS:.0f} s")


@contextmanager
def api_stand_in(source: Path, log: Path) -> Iterator[str]:
    """Serve ``source`` (the demo's API tables) on a free loopback port; yield the base URL; stop it after."""
    command = [
        sys.executable,
        "-m",
        "demo.api_stand_in",
        "--source",
        str(source),
        "--port",
        "0",
    ]
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield _announced_url(log, process)
    finally:
        process.send_signal(signal.SIGTERM)  # the stand-in closes its server and data on TERM
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
