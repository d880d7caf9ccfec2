"""Read a ``rest_api.yaml`` declaration and check its shape, naming the file and key of every mistake.

The declaration is dlt's rest_api dict config (``client``, ``resource_defaults``, ``resources``) plus the
source-level settings dlt takes as arguments (``schema_contract``, ``max_table_nesting``). Deep checks of the
rest_api config itself are left to dlt's own validator, whose errors are re-raised with the file name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..declaration_file import DeclarationError, check_contract, check_name, read_yaml, sources_dir

DECLARATION_FILE = "rest_api.yaml"

TOP_LEVEL_KEYS = ("client", "resource_defaults", "resources", "schema_contract", "max_table_nesting")
SORT_ORDERS = ("asc", "desc")


@dataclass(frozen=True)
class Declaration:
    """One parsed declaration: the source name, where it was read from and its raw mapping."""

    name: str
    path: Path
    body: dict[str, Any]


def declaration_path(name: str) -> Path:
    """Where the declaration of source ``name`` lives."""
    return sources_dir() / name / DECLARATION_FILE


def declared_names(folder: Path | None = None) -> list[str]:
    """Names of the source folders that hold a REST declaration, sorted."""
    return sorted(path.parent.name for path in (folder or sources_dir()).glob(f"*/{DECLARATION_FILE}"))


def load_declaration(path: Path | str, name: str | None = None) -> Declaration:
    """Parse and check a declaration file; the source name defaults to its folder's name."""
    path = Path(path)
    name = name or path.parent.name
    check_name(path, name)
    body = read_yaml(path)
    check_body(path, body)
    return Declaration(name, path, body)


def check_body(path: Path, body: Any) -> None:
    """Check the parts of a declaration this layer adds or relies on; raise on the first mistake."""
    if not isinstance(body, Mapping):
        raise DeclarationError(path, None, "the declaration must be a mapping with a `resources` list")
    unknown = sorted(set(body) - set(TOP_LEVEL_KEYS))
    if unknown:
        raise DeclarationError(path, unknown[0], f"unknown key; expected one of {', '.join(TOP_LEVEL_KEYS)}")
    for key in ("client", "resource_defaults"):
        if key in body and not isinstance(body[key], Mapping):
            raise DeclarationError(path, key, "must be a mapping")
    _check_resources(path, body.get("resources"))
    check_contract(path, body.get("schema_contract"))
    nesting = body.get("max_table_nesting")
    if nesting is not None and (not isinstance(nesting, int) or isinstance(nesting, bool) or nesting < 0):
        raise DeclarationError(path, "max_table_nesting", f"must be a whole number >= 0, got {nesting!r}")
    for key, resource in _resource_mappings(body):
        _check_resource(path, key, resource)


def _check_resources(path: Path, resources: Any) -> None:
    """``resources`` is a non-empty list of names or mappings with distinct names."""
    if not isinstance(resources, list) or not resources:
        raise DeclarationError(path, "resources", "must be a non-empty list of resources")
    names: set[str] = set()
    for index, resource in enumerate(resources):
        key = f"resources[{index}]"
        name = resource.get("name") if isinstance(resource, Mapping) else resource
        if not isinstance(name, str) or not name:
            raise DeclarationError(path, key, "each resource is a name or a mapping with a `name`")
        if name in names:
            raise DeclarationError(path, f"{key}.name", f"resource {name!r} is declared twice")
        names.add(name)


def _resource_mappings(body: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``resource_defaults`` and every resource given as a mapping, with their key paths."""
    if isinstance(body.get("resource_defaults"), Mapping):
        yield "resource_defaults", body["resource_defaults"]
    for index, resource in enumerate(body["resources"]):
        if isinstance(resource, Mapping):
            yield f"resources[{index}]", resource


def _check_resource(path: Path, key: str, resource: Mapping[str, Any]) -> None:
    """Column hints and incremental settings that dlt would only reject deep inside a run."""
    columns = resource.get("columns") or {}
    if not isinstance(columns, Mapping):
        raise DeclarationError(path, f"{key}.columns", "must map column names to hints")
    for column, hints in columns.items():
        if not isinstance(hints, Mapping):
            raise DeclarationError(path, f"{key}.columns.{column}", "column hints must be a mapping")
        if "dedup_sort" in hints and hints["dedup_sort"] not in SORT_ORDERS:
            raise DeclarationError(
                path, f"{key}.columns.{column}.dedup_sort", f"expected one of {SORT_ORDERS}"
            )
    endpoint = resource.get("endpoint")
    if isinstance(endpoint, Mapping):
        for sub_key, incremental in incremental_configs(endpoint):
            _check_incremental(path, f"{key}.endpoint.{sub_key}", incremental)


def incremental_configs(endpoint: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """An endpoint's incremental settings: its ``incremental`` block and any ``type: incremental`` param."""
    if isinstance(endpoint.get("incremental"), Mapping):
        yield "incremental", endpoint["incremental"]
    params = endpoint.get("params")
    if isinstance(params, Mapping):
        for param, value in params.items():
            if isinstance(value, Mapping) and value.get("type") == "incremental":
                yield f"params.{param}", value


def _check_incremental(path: Path, key: str, incremental: Mapping[str, Any]) -> None:
    """A cursor path is required; the lookback ``lag`` is a non-negative number; ``first_request_only`` a bool."""
    if not isinstance(incremental.get("cursor_path"), str):
        raise DeclarationError(path, f"{key}.cursor_path", "an incremental needs the cursor's field name")
    first_only = incremental.get("first_request_only")
    if first_only is not None and not isinstance(first_only, bool):
        raise DeclarationError(
            path, f"{key}.first_request_only", f"must be true or false, got {first_only!r}"
        )
    lag = incremental.get("lag")
    if lag is not None and (isinstance(lag, bool) or not isinstance(lag, int | float) or lag < 0):
        raise DeclarationError(path, f"{key}.lag", f"must be a number of seconds (or days) >= 0, got {lag!r}")
