"""Refuses and records every connection and name lookup outside this machine, in each Python process of a test.

A test puts this folder first on ``PYTHONPATH`` and names a log file in ``JAFFLE_NETWORK_GUARD_LOG``: Python
imports ``sitecustomize`` at start-up, so every Python process of the run (the CLI, dbt, Airflow's tasks)
refuses a connection to, or a name lookup of, anything but loopback and this host, and writes one line per
attempt. It covers Python's socket layer only: libpq, DuckDB and a JVM open sockets of their own.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket

LOG = os.environ.get("JAFFLE_NETWORK_GUARD_LOG")


def _local(host: object) -> bool:
    """Whether a host is loopback, this machine, or no host at all."""
    if host is None:
        return True
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name in ("", "localhost", socket.gethostname()) or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name.split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(what: str) -> None:
    with open(LOG, "a", encoding="utf-8") as log:  # type: ignore[arg-type]
        log.write(f"pid {os.getpid()}: {what}\n")
    raise OSError(errno.ENETUNREACH, f"the test's network guard refused {what}")


if LOG:
    _connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo
    _INTERNET = (socket.AF_INET, socket.AF_INET6)

    def _guarded_connect(self: socket.socket, address: object) -> None:
        if self.family in _INTERNET and not _local(address[0]):  # type: ignore[index]
            _refuse(f"a connection to {address}")
        return _connect(self, address)

    def _guarded_connect_ex(self: socket.socket, address: object) -> int:
        if self.family in _INTERNET and not _local(address[0]):  # type: ignore[index]
            _refuse(f"a connection to {address}")
        return _connect_ex(self, address)

    def _guarded_getaddrinfo(host: object, *arguments: object, **keywords: object) -> list:
        if not _local(host):
            _refuse(f"a name lookup of {host!r}")
        return _getaddrinfo(host, *arguments, **keywords)

    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]
