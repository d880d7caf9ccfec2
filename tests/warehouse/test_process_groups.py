"""Stopping a background service by its recorded PID stops its whole process group, children included."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from warehouse.process_groups import running, stop_group

# A leader that ignores TERM and leaves a child sleeping: only the group KILL after the timeout ends both.
STUBBORN = (
    "import signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
    "child = subprocess.Popen(['sleep', '300']); print(child.pid, flush=True); time.sleep(300)"
)


def _start(tmp_path: Path, code: str) -> tuple[Path, int, int]:
    """Start ``code`` in its own session, record its PID; return the PID file, its PID and its child's."""
    leader = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    child = int(leader.stdout.readline())
    pid_file = tmp_path / "service.pid"
    pid_file.write_text(str(leader.pid))
    return pid_file, leader.pid, child


def _gone(pid: int, within: float = 5.0) -> bool:
    """True once the process no longer exists or is only a zombie (SIGKILL is delivered asynchronously)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def test_a_stubborn_group_is_killed_after_the_timeout(tmp_path: Path) -> None:
    pid_file, leader, child = _start(tmp_path, STUBBORN)
    assert running(leader) and running(child)
    assert stop_group(pid_file, timeout=1.0) == leader
    assert not running(leader) and _gone(child) and not pid_file.exists()


def test_no_pid_file_is_nothing_to_stop(tmp_path: Path) -> None:
    assert stop_group(tmp_path / "absent.pid") is None
