"""The sources, discovered from their folders: one folder per source, built by its kind.

A folder under the sources folder (``extract_load.sources_dir`` in dlt's config, env
``EXTRACT_LOAD__SOURCES_DIR``; by default ``extract_load/sources``) is a source named after it, of the kind
its declaration says: ``rest_api.yaml`` (see ``rest``), ``files.yaml`` (see ``files``) or
``sql_database.yaml`` (see ``sql``). A folder without a declaration but with an ``__init__.py`` holding one
``@dlt.source`` is a Python source; it takes the row ledger when its function has a ``ledger`` parameter.
Which sources ``jaffle el`` loads, in which order, is ``[extract_load] sources``.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

from dlt.extract import DltSource
from dlt.extract.reference import SourceFactory

from .declaration_file import DEFAULT_SOURCES_DIR, SOURCES_DIR_KEY, DeclarationError, sources_dir
from .files import build_files_source, load_files_declaration
from .ledger import RowLedger
from .rest import Declaration, build_rest_source, load_declaration
from .sql import build_sql_source, load_sql_declaration

DECLARATIONS = {"rest_api.yaml": "rest_api", "files.yaml": "files", "sql_database.yaml": "sql_database"}
PYTHON = "python"
PYTHON_FILE = "__init__.py"


@dataclass(frozen=True)
class SourceFolder:
    """One discovered source: its name, its kind and the file that defines it."""

    name: str
    kind: str
    path: Path


def _source_folder(folder: Path) -> SourceFolder | None:
    """The source a folder defines, None for a folder that holds none; two declarations are an error."""
    declared = [(file, kind) for file, kind in DECLARATIONS.items() if (folder / file).is_file()]
    if len(declared) > 1:
        files = ", ".join(file for file, _ in declared)
        raise DeclarationError(folder, None, f"one declaration per source folder, found {files}")
    if declared:
        file, kind = declared[0]
        return SourceFolder(folder.name, kind, folder / file)
    if (folder / PYTHON_FILE).is_file():
        return SourceFolder(folder.name, PYTHON, folder / PYTHON_FILE)
    return None


def discover(folder: Path | None = None) -> dict[str, SourceFolder]:
    """Every source of the sources folder, by name (sorted)."""
    root = folder or sources_dir()
    if not root.is_dir():
        raise DeclarationError(root, None, f"the sources folder does not exist: set {SOURCES_DIR_KEY}")
    found = {}
    for path in sorted(root.iterdir()):
        if path.is_dir() and not path.name.startswith((".", "_")):
            source = _source_folder(path)
            if source is not None:
                found[source.name] = source
    return found


def source_folder(name: str) -> SourceFolder:
    """The source called ``name``; an unknown name is an error listing the known ones."""
    sources = discover()
    if name not in sources:
        known = ", ".join(sources) or "none"
        kinds = ", ".join(DECLARATIONS)
        raise ValueError(
            f"unknown source {name!r}; known sources: {known} (the folders of {sources_dir()} holding one of"
            f" {kinds}, or a Python package with a @dlt.source)"
        )
    return sources[name]


def _module(source: SourceFolder) -> ModuleType:
    """The Python package of a source folder (imported by its path when outside this package)."""
    folder = source.path.parent
    if folder.parent == DEFAULT_SOURCES_DIR:
        return importlib.import_module(f"{__package__}.sources.{source.name}")
    module_name = f"_extract_load_sources.{source.name}"
    spec = importlib.util.spec_from_file_location(
        module_name, source.path, submodule_search_locations=[str(folder)]
    )
    if spec is None or spec.loader is None:
        raise DeclarationError(source.path, None, "cannot import the source's package")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def _python_source(source: SourceFolder, ledger: RowLedger, location: str | None) -> DltSource:
    """The one ``@dlt.source`` defined in a Python source folder (imported ones, such as dlt's own
    ``sql_database``, do not count), called with the ledger when it takes one."""
    module = _module(source)
    factories = [
        value
        for value in vars(module).values()
        if isinstance(value, SourceFactory) and getattr(value, "__module__", None) == module.__name__
    ]
    if len(factories) != 1:
        raise DeclarationError(
            source.path, None, f"a Python source folder holds exactly one @dlt.source, found {len(factories)}"
        )
    if location:
        raise ValueError(f"source {source.name!r} is Python: its location is set in its own configuration")
    factory = factories[0]
    takes_ledger = "ledger" in inspect.signature(factory).parameters
    return factory(ledger=ledger) if takes_ledger else factory()


def _rest_keys(declaration: Declaration) -> dict[str, list[str]]:
    """Table -> primary key columns of a REST declaration (a resource's key, else the defaults')."""
    default = (declaration.body.get("resource_defaults") or {}).get("primary_key")
    keys = {}
    for resource in declaration.body["resources"]:
        spec = {"name": resource} if isinstance(resource, str) else resource
        key = spec.get("primary_key", default)
        table = spec["table_name"] if isinstance(spec.get("table_name"), str) else spec["name"]
        keys[table] = [key] if isinstance(key, str) else list(key or [])
    return keys


class Kind(NamedTuple):
    """How a declared kind is read (path, name), built (declaration, location, ledger) and keyed."""

    load: Callable[[Path, str], Any]
    build: Callable[[Any, str | None, RowLedger], DltSource]
    keys: Callable[[Any], dict[str, list[str]]]


KINDS = {
    "rest_api": Kind(load_declaration, build_rest_source, _rest_keys),
    "files": Kind(
        load_files_declaration,
        build_files_source,
        lambda declaration: {table: drop["primary_key"] for table, drop in declaration.drops.items()},
    ),
    "sql_database": Kind(
        load_sql_declaration,
        build_sql_source,
        lambda declaration: {table: spec["primary_key"] for table, spec in declaration.tables.items()},
    ),
}


def declaration_of(name: str) -> Any:
    """The checked declaration of a declared source (None for a Python source)."""
    source = source_folder(name)
    return None if source.kind == PYTHON else KINDS[source.kind].load(source.path, name)


def declared_keys(name: str) -> dict[str, list[str]]:
    """Table -> primary key columns (as declared) of a declared source; empty for a Python source."""
    source = source_folder(name)
    if source.kind == PYTHON:
        return {}
    kind = KINDS[source.kind]
    return kind.keys(kind.load(source.path, name))


def build_source(name: str, ledger: RowLedger, location: str | None = None) -> DltSource:
    """The dlt source called ``name``; ``location`` overrides its configured base URL, bucket or database."""
    source = source_folder(name)
    if source.kind == PYTHON:
        return _python_source(source, ledger, location)
    kind = KINDS[source.kind]
    return kind.build(kind.load(source.path, name), location, ledger)
