"""Declaration files of sources (``rest_api.yaml``, ``files.yaml``, ``sql_database.yaml``): where they live,
read and checked.

YAML is read safely, a key given twice is an error (never last-wins), and timestamps stay strings. Every
mistake is a ``DeclarationError`` naming the file and the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dlt
import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCES_DIR = Path(__file__).resolve().parent / "sources"
SOURCES_DIR_KEY = "extract_load.sources_dir"

CONTRACT_ENTITIES = ("tables", "columns", "data_type")
CONTRACT_MODES = ("evolve", "discard_value", "freeze", "discard_row")


def sources_dir() -> Path:
    """The sources folder: ``extract_load.sources_dir`` (relative to the project root) or the package's own."""
    configured = dlt.config.get(SOURCES_DIR_KEY)
    if not configured:
        return DEFAULT_SOURCES_DIR
    folder = Path(str(configured)).expanduser()
    return folder if folder.is_absolute() else PROJECT_ROOT / folder


class DeclarationError(ValueError):
    """A source declaration is unreadable or wrong; the message names the file and the key."""

    def __init__(self, path: Path | str, key: str | None, message: str) -> None:
        where = f"{path}: {key}" if key else str(path)
        super().__init__(f"{where}: {message}")
        self.path = Path(path)
        self.key = key


class DeclarationLoader(yaml.SafeLoader):
    """Safe YAML that keeps timestamps as strings (as APIs send them) and rejects duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """A mapping, failing on a key given twice instead of keeping the last silently."""
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


DeclarationLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> Any:
    """The parsed YAML of a declaration file; raises ``DeclarationError`` naming the file."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=DeclarationLoader)
    except OSError as error:
        raise DeclarationError(path, None, f"cannot read the declaration ({error.strerror})") from error
    except yaml.YAMLError as error:
        raise DeclarationError(path, None, f"invalid YAML: {error}") from error


def check_name(path: Path, name: str) -> None:
    """A source name is a Python identifier: it names the dataset, the dbt source and the config section."""
    if not name.isidentifier():
        raise DeclarationError(path, None, f"source name {name!r} must be a Python identifier (snake_case)")


def check_keys(path: Path, key: str | None, mapping: Any, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    """``mapping`` is a mapping holding only ``allowed`` keys; returns it."""
    if not isinstance(mapping, Mapping):
        raise DeclarationError(path, key, "must be a mapping")
    unknown = sorted(str(name) for name in set(mapping) - set(allowed))
    if unknown:
        where = f"{key}.{unknown[0]}" if key else unknown[0]
        raise DeclarationError(path, where, f"unknown key; expected one of {', '.join(allowed)}")
    return mapping


def positive_int(path: Path, key: str, value: Any) -> int:
    """A whole number >= 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DeclarationError(path, key, f"must be a whole number >= 1, got {value!r}")
    return value


def key_columns(path: Path, key: str, value: Any) -> list[str]:
    """A primary key: one column name or a non-empty list of them."""
    columns = [value] if isinstance(value, str) else value
    if not isinstance(columns, list) or not columns or not all(isinstance(c, str) and c for c in columns):
        raise DeclarationError(path, key, f"must be a column name or a list of them, got {value!r}")
    return list(columns)


def check_contract(path: Path, contract: Any) -> None:
    """A schema contract is one mode or a mapping of entity to mode."""
    if contract is None or contract in CONTRACT_MODES:
        return
    if not isinstance(contract, Mapping):
        raise DeclarationError(path, "schema_contract", f"must be one of {CONTRACT_MODES} or a mapping")
    for entity, mode in contract.items():
        if entity not in CONTRACT_ENTITIES:
            raise DeclarationError(path, f"schema_contract.{entity}", f"expected one of {CONTRACT_ENTITIES}")
        if mode not in CONTRACT_MODES:
            raise DeclarationError(path, f"schema_contract.{entity}", f"expected one of {CONTRACT_MODES}")
