"""The OpenAPI document, generated from the marshmallow schemas by apispec.

Each plugin describes its endpoints in the hook ``erp_api_schemas(spec)``; the helpers below
keep those descriptions short. :func:`undocumented` lists the routes nobody described, and a
test keeps that list empty.
"""

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify
from marshmallow import fields

from core import __version__

PREFIX = "/api/v1"
ERROR_REF = {"$ref": "#/components/schemas/Error"}
# Query parameters of every paginated list (see core.api.pagination).
PAGE_PARAMETERS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
]
_ERRORS = {
    "401": ("Unauthorized", "No valid API token"),
    "403": ("Forbidden", "The token's user lacks the permission named in the body"),
    "404": ("NotFound", "Not found, or not of the token's company, or plugin not enabled"),
    "422": ("Invalid", "Invalid input: each bad field is named"),
}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def page_of(name: str) -> dict:
    """A response schema: one page of ``name`` items."""
    return {
        "allOf": [
            ref("Page"),
            {"type": "object", "properties": {"items": {"type": "array", "items": ref(name)}}},
        ]
    }


def responses(ok: dict, *codes: str, ok_code: str = "200") -> dict:
    """``ok`` under ``ok_code`` plus the standard error responses ``codes`` (always 401)."""
    return {
        ok_code: ok,
        **{code: {"$ref": f"#/components/responses/{_ERRORS[code][0]}"} for code in codes},
        "401": {"$ref": "#/components/responses/Unauthorized"},
    }


def path_id(name: str) -> list[dict]:
    """The parameters of a path with one integer id ``{name}``."""
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}]


def _enum_type(self, field, ret, **kwargs) -> dict:
    """Give ``fields.Enum(..., by_value=True)`` of string values its type, which apispec
    leaves out (the value field is ``Raw``)."""
    values = [v for v in ret.get("enum", ()) if v is not None]
    strings = values and all(isinstance(v, str) for v in values)
    if isinstance(field, fields.Enum) and strings and "type" not in ret:
        return {"type": "string"}
    return {}


def _core_components(spec: APISpec) -> None:
    spec.components.security_scheme("token", {"type": "http", "scheme": "bearer"})
    spec.components.schema(
        "Error",
        {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["status", "message"],
                    "properties": {
                        "status": {"type": "integer"},
                        "message": {"type": "string"},
                        "fields": {
                            "type": "object",
                            "additionalProperties": {"type": "array", "items": {"type": "string"}},
                        },
                        "permission": {"type": "string"},
                    },
                }
            },
        },
    )
    spec.components.schema(
        "Page",
        {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": {}},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "total": {"type": "integer"},
            },
        },
    )
    for name, description in _ERRORS.values():
        spec.components.response(name, json_content(ERROR_REF, description))
    spec.path(
        path="/openapi.json",
        operations={
            "get": {
                "summary": "This document (no token needed)",
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3 document"}},
            }
        },
    )


def build_spec(registry) -> dict:
    marshmallow_plugin = MarshmallowPlugin()
    spec = APISpec(
        title="Real-estate ERP API",
        version=__version__,
        openapi_version="3.0.3",
        plugins=[marshmallow_plugin],
        servers=[{"url": PREFIX}],
        security=[{"token": []}],
    )
    marshmallow_plugin.converter.add_attribute_function(_enum_type)
    _core_components(spec)
    registry.hook.erp_api_schemas(spec=spec)
    return spec.to_dict()


def undocumented(app, doc: dict) -> list[str]:
    """``METHOD /path`` of every route under the API prefix that ``doc`` does not describe."""
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX) :])
        described = doc["paths"].get(path, {})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method.lower() not in described:
                missing.append(f"{method} {path}")
    return sorted(missing)


def init_openapi(app, registry) -> None:
    cache = {}

    def openapi_json():
        if "doc" not in cache:
            cache["doc"] = build_spec(registry)
        return jsonify(cache["doc"])

    # Public: the document describes the API, it exposes no data.
    app.add_url_rule(PREFIX + "/openapi.json", "openapi", openapi_json)
