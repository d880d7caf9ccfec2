"""REST API sources declared by configuration alone: one ``sources/<name>/rest_api.yaml`` per source.

A declaration is dlt's rest_api config in YAML plus what YAML cannot express (secret and config references,
named cursor converters, a schema contract); see docs/rest_sources.md.
"""

from __future__ import annotations

from pathlib import Path

import dlt
from dlt.sources.rest_api.config_setup import PAGINATOR_MAP, register_paginator

from ..ledger import RowLedger
from .declaration import Declaration, DeclarationError, declaration_path, declared_names, load_declaration
from .keyset import KeysetPaginator
from .redaction import install as install_redaction
from .references import MissingSecretError
from .source import DEFAULT_SCHEMA_CONTRACT, build_rest_source, rest_dataset_name

__all__ = [
    "DEFAULT_SCHEMA_CONTRACT",
    "Declaration",
    "DeclarationError",
    "KeysetPaginator",
    "MissingSecretError",
    "build_rest_source",
    "declared_rest_source",
    "declared_rest_sources",
    "load_declaration",
    "rest_dataset_name",
    "rest_source_from_file",
]

if PAGINATOR_MAP.get("keyset") is not KeysetPaginator:
    register_paginator("keyset", KeysetPaginator)
install_redaction()


def declared_rest_sources() -> list[str]:
    """Names of the sources that have a ``rest_api.yaml`` declaration."""
    return declared_names()


def declared_rest_source(
    name: str,
    base_url: str | None = None,
    ledger: RowLedger | None = None,
    *,
    overrides: dict[str, object] | None = None,
) -> dlt.sources.DltSource:
    """The dlt source declared in ``sources/<name>/rest_api.yaml``, to load into ``raw_<name>``."""
    path = declaration_path(name)
    if not path.is_file():
        known = ", ".join(declared_rest_sources()) or "none"
        raise DeclarationError(path, None, f"no declaration for REST source {name!r} (declared: {known})")
    return build_rest_source(load_declaration(path, name), base_url, ledger, overrides)


def rest_source_from_file(
    path: str | Path,
    name: str | None = None,
    base_url: str | None = None,
    ledger: RowLedger | None = None,
) -> dlt.sources.DltSource:
    """The dlt source declared in any file (the source name defaults to the file's folder)."""
    return build_rest_source(load_declaration(path, name), base_url, ledger)
