"""Canary secrets: random values configured as secrets, then searched for in everything a run leaves behind."""

from __future__ import annotations

import gzip
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path


def canary(label: str) -> str:
    """A random value no run could write by chance, recognisable in a leak report."""
    return f"canary-{label}-{secrets.token_hex(8)}"


def files_under(folder: Path, modified_since: float | None = None) -> list[Path]:
    """Every file below a folder (optionally only those modified since a time), missing folders included."""
    if not folder.exists():
        return []
    files = [path for path in folder.rglob("*") if path.is_file() and not path.is_symlink()]
    if modified_since is not None:
        files = [path for path in files if path.stat().st_mtime >= modified_since]
    return files


def file_contents(path: Path) -> bytes:
    """A file's bytes, with the uncompressed content appended for gzip files (dlt compresses load files)."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data += gzip.decompress(data)
        except (OSError, EOFError):
            pass
    return data


def leaks_in_texts(canaries: Mapping[str, str], texts: Mapping[str, str]) -> list[str]:
    """Each (canary, text) pair where the text holds the canary, with the line it is on."""
    leaks = []
    for label, value in canaries.items():
        for where, text in texts.items():
            if value in text:
                line = next(line for line in text.splitlines() if value in line)
                leaks.append(f"{label} in {where}: {line[:200]!r}")
    return leaks


def leaks_in_files(canaries: Mapping[str, str], files: Iterable[Path]) -> list[str]:
    """Each (canary, file) pair where the file's bytes (uncompressed too) hold the canary."""
    leaks = []
    for path in files:
        contents = file_contents(path)
        leaks.extend(f"{label} in {path}" for label, value in canaries.items() if value.encode() in contents)
    return leaks
