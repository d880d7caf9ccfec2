"""Hidden files in a drop: names starting with '.' are uploads in progress (or editor and OS files).

They are skipped on every storage, each named in a warning on every run while it stays there. Python's glob,
which dlt uses for local folders, never lists them, while fsspec's glob on S3 and GCS does: the filter and the
warning make both behave the same, and no file is passed over without a word.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Iterator
from typing import Any

import dlt
from dlt.sources import DltResource
from dlt.sources.filesystem import FileItemDict, filesystem

log = logging.getLogger(__name__)


def is_visible(file: FileItemDict) -> bool:
    """Whether a listed file is loaded: its name does not start with '.'."""
    return not posixpath.basename(file["file_name"]).startswith(".")


def hidden_glob(file_glob: str) -> str:
    """The glob of the hidden files a drop's glob would match but for their leading dot."""
    folder, pattern = posixpath.split(file_glob)
    return posixpath.join(folder, pattern if pattern.startswith(".") else "." + pattern)


def hidden_files_warning(bucket_url: str, table: str, file_glob: str) -> DltResource:
    """A resource that loads nothing: it names each hidden file of one drop in a warning.

    It belongs to the source, so it lists the drop with the source's own configuration and credentials.
    """

    def warn(files: list[FileItemDict]) -> Iterator[Any]:
        """Warn about each hidden file; yield no rows."""
        for file in files:
            if not is_visible(file):
                log.warning(
                    "%s: skipped %r in %s: a name starting with '.' marks an upload in progress; "
                    "rename it to load it",
                    table,
                    file["file_name"],
                    bucket_url,
                )
        yield from ()

    listing = filesystem(bucket_url=bucket_url, file_glob=hidden_glob(file_glob))
    return (listing | dlt.transformer(warn, name=f"{table}__hidden_files")).with_name(
        f"{table}__hidden_files"
    )
