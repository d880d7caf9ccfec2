"""Who holds a warehouse: written by the run that takes the lock, read by the run refused and by status."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from typing import Any


def holder(command: str) -> dict[str, Any]:
    """Who is running: process, host, command and since when."""
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": command,
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def describe_holder(found: dict[str, Any] | None) -> str:
    """Who holds the warehouse, in words."""
    if not found:
        return "another run"
    if "command" in found:
        return (
            f"`jaffle {found['command']}` (pid {found.get('pid')} on {found.get('host')},"
            f" since {found.get('since')})"
        )
    return f"{found.get('application') or 'a session'} (server pid {found.get('backend_pid')}, since {found.get('since')})"


def busy_message(engine: str, found: dict[str, Any] | None) -> str:
    """What the second run is told."""
    return (
        f"the {engine} warehouse is busy: {describe_holder(found)} holds it. Only one run at"
        " a time may write to a warehouse; wait for it to finish (`jaffle status` shows it), then run again."
    )
