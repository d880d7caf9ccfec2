"""Background services started in their own session and stopped by the PID recorded at start."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

# How long a killed process may take to be gone before stop_group returns anyway.
KILL_WAIT_SECONDS = 5.0


def running(pid: int) -> bool:
    """True while the process exists (a zombie child of ours counts as gone once reaped)."""
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if finished == pid:
            return False
    except ChildProcessError:
        pass  # not our child (started by another command): ask the kernel
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_group(pid_file: Path, timeout: float = 30.0) -> int | None:
    """Stop the process group led by the PID in ``pid_file``: TERM, then KILL after ``timeout``.

    KILL is sent to the group in any case, for children the leader left behind, and the leader is awaited.
    The PID file is removed; returns the PID stopped, or None when there was no PID file.
    """
    if not pid_file.exists():
        return None
    pid = int(pid_file.read_text())
    if running(pid):
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while running(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + KILL_WAIT_SECONDS
    while running(pid) and time.monotonic() < deadline:  # KILL is delivered asynchronously; reaps our child
        time.sleep(0.05)
    pid_file.unlink()
    return pid
