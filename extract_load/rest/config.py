"""Shape a resolved declaration into dlt's rest_api config: base URL, params, converters and paginators."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dlt
from dlt.sources.helpers.rest_client.paginators import BasePaginator
from dlt.sources.rest_api.config_setup import create_paginator

from .converters import cursor_converter
from .declaration import Declaration, DeclarationError, incremental_configs
from .first_request import FirstRequestOnly
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
    raw_default = (body.get("resource_defaults") or {}).get("endpoint") or {}
    inherited = raw_default.get("paginator") if isinstance(raw_default, Mapping) else None
    inherited = inherited or (body.get("client") or {}).get("paginator")
    resources = [
        _resource(declaration, index, resource, default_endpoint.get("params"), default_paginator, inherited)
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
    inherited_paginator: Any,
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
    first_only = _first_request_params(endpoint)
    if first_only:
        declared = endpoint.get("paginator", inherited_paginator)
        endpoint["paginator"] = _first_request_only(declaration, index, declared, first_only)
    shaped["endpoint"] = endpoint
    _set_converters(declaration, f"resources[{index}]", shaped)
    return shaped


def _first_request_params(endpoint: dict[str, Any]) -> list[str]:
    """The filter params of incrementals declared ``first_request_only: true``, the setting taken out.

    The incremental mappings are copied before the setting is removed, so the declaration stays as read.
    """
    params: list[str] = []
    for sub_key, incremental in list(incremental_configs(endpoint)):
        if not incremental.get("first_request_only"):
            continue
        copy = {key: value for key, value in incremental.items() if key != "first_request_only"}
        if sub_key == "incremental":
            endpoint["incremental"] = copy
            params += [copy[key] for key in ("start_param", "end_param") if copy.get(key)]
        else:
            name = sub_key.split(".", 1)[1]
            endpoint["params"] = {**endpoint["params"], name: copy}
            params.append(name)
    return params


def _first_request_only(declaration: Declaration, index: int, paginator: Any, params: list[str]) -> Any:
    """The endpoint's paginator, wrapped to send ``params`` with the first request only."""
    key = f"resources[{index}].endpoint.incremental.first_request_only"
    try:
        built = create_paginator(paginator)
    except (TypeError, ValueError) as error:
        raise DeclarationError(
            declaration.path, key, f"cannot build the endpoint's paginator: {error}"
        ) from None
    if built is None:
        raise DeclarationError(
            declaration.path,
            key,
            "needs a paginator declared on the endpoint, in resource_defaults or on the client "
            "(an auto-detected one cannot be wrapped)",
        )
    return FirstRequestOnly(built, params)


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
