"""Shape a resolved declaration into dlt's rest_api config: base URL, params, converters and paginators."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dlt
from dlt.sources.helpers.rest_client.paginators import BasePaginator

from .converters import cursor_converter
from .declaration import Declaration, DeclarationError, incremental_configs
from .keyset import KeysetPaginator
from .references import env_var

# Paginators dlt does not ship: its config validator accepts them only as instances, built here.
CUSTOM_PAGINATORS: dict[str, type[BasePaginator]] = {"keyset": KeysetPaginator}


def rest_api_config(
    declaration: Declaration, body: Mapping[str, Any], base_url: str | None
) -> dict[str, Any]:
    """dlt's rest_api config of a declaration whose references are already resolved."""
    defaults = dict(body.get("resource_defaults") or {})
    default_endpoint = dict(defaults.get("endpoint") or {})
    default_paginator = default_endpoint.pop("paginator", None)
    if not _is_custom(default_paginator) and default_paginator is not None:
        default_endpoint["paginator"] = default_paginator
        default_paginator = None
    if default_endpoint or "endpoint" in defaults:
        defaults["endpoint"] = default_endpoint
    client = _client(declaration, body.get("client") or {}, base_url)
    resources = [
        _resource(declaration, index, resource, default_endpoint.get("params"), default_paginator)
        for index, resource in enumerate(body["resources"])
    ]
    _set_converters(declaration, "resource_defaults", defaults)
    return {"client": client, "resource_defaults": defaults, "resources": resources}


def _client(declaration: Declaration, client: Mapping[str, Any], base_url: str | None) -> dict[str, Any]:
    """The client block with its base URL: the argument, then ``sources.<name>.base_url``, then the file."""
    key = f"sources.{declaration.name}.base_url"
    url = base_url or dlt.config.get(key) or client.get("base_url")
    if not url or not isinstance(url, str):
        raise DeclarationError(
            declaration.path, "client.base_url", f"no base URL: set {key} ({env_var(key)}) or client.base_url"
        )
    shaped = {**client, "base_url": url.rstrip("/") + "/"}
    if "paginator" in client:
        shaped["paginator"] = _paginator(declaration, "client.paginator", client["paginator"])
    return shaped


def _resource(
    declaration: Declaration,
    index: int,
    resource: Any,
    default_params: Mapping[str, Any] | None,
    default_paginator: Any,
) -> dict[str, Any]:
    """One resource as a mapping whose endpoint owns its params and paginator.

    rest_api writes an incremental start value into the params dict an endpoint was given; a dict inherited
    unchanged from ``resource_defaults`` is shared, so the value would leak into every other endpoint. A
    paginator keeps page state, so each endpoint gets its own instance too.
    """
    shaped = {"name": resource} if isinstance(resource, str) else dict(resource)
    endpoint = shaped.get("endpoint")
    endpoint = {"path": endpoint} if isinstance(endpoint, str) else dict(endpoint or {})
    if default_params:
        endpoint["params"] = {**default_params, **(endpoint.get("params") or {})}
    paginator = endpoint.get("paginator", default_paginator)
    if paginator is not None:
        endpoint["paginator"] = _paginator(declaration, f"resources[{index}].endpoint.paginator", paginator)
    shaped["endpoint"] = endpoint
    _set_converters(declaration, f"resources[{index}]", shaped)
    return shaped


def _is_custom(paginator: Any) -> bool:
    """True for a paginator named by a type this layer adds."""
    kind = paginator.get("type") if isinstance(paginator, Mapping) else paginator
    return isinstance(kind, str) and kind in CUSTOM_PAGINATORS


def _paginator(declaration: Declaration, key: str, paginator: Any) -> Any:
    """A custom paginator built from its settings; dlt's own ones are left for dlt to build."""
    if not _is_custom(paginator):
        return paginator
    settings = dict(paginator) if isinstance(paginator, Mapping) else {"type": paginator}
    kind = settings.pop("type")
    try:
        return CUSTOM_PAGINATORS[kind](**settings)
    except TypeError as error:
        raise DeclarationError(
            declaration.path, key, f"invalid settings for paginator {kind!r}: {error}"
        ) from None


def _set_converters(declaration: Declaration, key: str, resource: dict[str, Any]) -> None:
    """Replace every named ``convert`` of the resource's incrementals with its function."""
    endpoint = resource.get("endpoint")
    if not isinstance(endpoint, dict):
        return
    for sub_key, incremental in incremental_configs(endpoint):
        name = incremental.get("convert")
        if name is None or callable(name):
            continue
        try:
            incremental["convert"] = cursor_converter(name)  # type: ignore[index]
        except KeyError as error:
            raise DeclarationError(
                declaration.path, f"{key}.endpoint.{sub_key}.convert", error.args[0]
            ) from None
