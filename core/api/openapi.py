"""The OpenAPI document, generated from the marshmallow schemas by apispec."""

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify

from core import __version__


def build_spec(registry) -> dict:
    spec = APISpec(
        title="Real-estate ERP API",
        version=__version__,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        servers=[{"url": "/api/v1"}],
    )
    spec.components.security_scheme("token", {"type": "http", "scheme": "bearer"})
    spec.components.schema(
        "Error",
        {
            "type": "object",
            "properties": {
                "error": {
                    "type": "object",
                    "properties": {
                        "status": {"type": "integer"},
                        "message": {"type": "string"},
                        "fields": {
                            "type": "object",
                            "additionalProperties": {"type": "array", "items": {"type": "string"}},
                        },
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
    spec.components.response(
        "Invalid",
        {
            "description": "Invalid input: each bad field is named",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        },
    )
    registry.hook.erp_api_schemas(spec=spec)
    doc = spec.to_dict()
    doc["security"] = [{"token": []}]
    return doc


def init_openapi(app, registry) -> None:
    cache = {}

    def openapi_json():
        if "doc" not in cache:
            cache["doc"] = build_spec(registry)
        return jsonify(cache["doc"])

    # Public: the document describes the API, it exposes no data.
    app.add_url_rule("/api/v1/openapi.json", "openapi", openapi_json)
