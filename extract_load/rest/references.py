"""Resolve ``{secret: key}`` and ``{config: key, default: value}`` references through dlt's configuration.

``sources.my_api.token`` is read from the environment (``SOURCES__MY_API__TOKEN``), ``.dlt/secrets.toml`` or
``.dlt/config.toml``, like every dlt setting. Secrets may only feed ``auth`` blocks, so they always travel
through dlt's auth classes (which keep them out of logged URLs, params and headers), never as plain params.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dlt

from .declaration import DeclarationError
from .redaction import register_secret

SECRET_KEYS = frozenset({"secret"})
CONFIG_KEYS = frozenset({"config", "default"})


class MissingSecretError(DeclarationError):
    """A secret the declaration refers to is not configured anywhere dlt looks."""


def env_var(key: str) -> str:
    """The environment variable dlt reads for a dotted config key."""
    return key.upper().replace(".", "__")


def resolve_references(
    node: Any, path: Path, overrides: Mapping[str, Any] | None = None, key: str = "", in_auth: bool = False
) -> Any:
    """A copy of ``node`` with every reference replaced by its configured value (new dicts and lists)."""
    if isinstance(node, Mapping):
        if set(node) == SECRET_KEYS:
            return _secret(node["secret"], path, key, in_auth)
        if "config" in node and set(node) <= CONFIG_KEYS:
            return _config(node, path, key, overrides or {})
        resolved = {}
        for name, value in node.items():
            child = f"{key}.{name}" if key else str(name)
            resolved[name] = resolve_references(value, path, overrides, child, in_auth or _is_auth(child))
        return resolved
    if isinstance(node, list):
        return [resolve_references(v, path, overrides, f"{key}[{i}]", in_auth) for i, v in enumerate(node)]
    return node


def _is_auth(key: str) -> bool:
    """True for the auth block of the client or of an endpoint (not, say, a query parameter named auth)."""
    return key == "client.auth" or key.endswith(".endpoint.auth")


def _dotted(reference: Any, path: Path, key: str) -> str:
    """A reference names a dotted key such as ``sources.my_api.token``."""
    if not isinstance(reference, str) or not reference.strip(".") or " " in reference:
        raise DeclarationError(
            path, key, f"a reference names a dotted key like sources.my_api.token, got {reference!r}"
        )
    return reference


def _secret(reference: Any, path: Path, key: str, in_auth: bool) -> Any:
    """The secret's value, registered for log redaction; clear errors when misplaced or missing."""
    name = _dotted(reference, path, key)
    if not in_auth:
        raise DeclarationError(
            path,
            key,
            "secrets may only be used inside an `auth` block (e.g. auth type api_key with "
            "location: query or header), so dlt's auth classes keep them out of logs and request params",
        )
    value = dlt.secrets.get(name)
    if value is None or value == "":
        raise MissingSecretError(
            path, key, f"secret {name!r} is not set: export {env_var(name)} or set it in .dlt/secrets.toml"
        )
    if isinstance(value, str | int | float):
        value = str(value)
        register_secret(value)
    return value


def _config(node: Mapping[str, Any], path: Path, key: str, overrides: Mapping[str, Any]) -> Any:
    """The config value (an explicit override first), cast to the default's type; the default if unset."""
    name = _dotted(node["config"], path, key)
    default = node.get("default")
    if overrides.get(name) is not None:
        return overrides[name]
    expected = type(default) if default is not None and not isinstance(default, Mapping | list) else None
    try:
        value = dlt.config.get(name, expected)
    except Exception as error:  # dlt raises its own conversion errors; name the key instead
        raise DeclarationError(
            path,
            key,
            f"config {name!r} ({env_var(name)}) is not a valid {getattr(expected, '__name__', 'value')}",
        ) from error
    if value is None:
        if "default" not in node:
            raise DeclarationError(
                path, key, f"config {name!r} is not set: export {env_var(name)} or set it in .dlt/config.toml"
            )
        return default
    return value
