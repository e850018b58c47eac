"""The OpenAPI document at /api/v1/openapi.json, generated from the marshmallow schemas."""

import pytest

from core.api.openapi import undocumented


@pytest.fixture
def doc(client):
    response = client.get("/api/v1/openapi.json")  # public: no token
    assert response.status_code == 200
    return response.json


def test_document_is_openapi_3_with_project_and_error_schemas(doc):
    assert doc["openapi"].startswith("3.")
    assert doc["servers"] == [{"url": "/api/v1"}]
    assert doc["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    project = doc["components"]["schemas"]["Project"]
    props = project["properties"]
    assert {k: v.get("type") for k, v in props.items()} == {
        "id": "integer",
        "name": "string",
        "type": "string",
        "region_code": "string",
    }
    assert props["type"]["enum"] == ["villa", "apartment", "residential"]
    assert props["id"]["readOnly"] is True
    assert set(project["required"]) == {"name", "type", "region_code"}
    error = doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]
    assert {"status", "message", "fields"} <= set(error)


def test_project_paths_and_their_responses(doc):
    projects = doc["paths"]["/projects"]
    assert set(projects) == {"get", "post"}
    assert projects["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Project"
    }
    invalid = projects["post"]["responses"]["422"]["$ref"]
    assert doc["components"]["responses"][invalid.rsplit("/", 1)[1]]["content"]["application/json"][
        "schema"
    ] == {"$ref": "#/components/schemas/Error"}
    one = doc["paths"]["/projects/{project_id}"]
    assert one["parameters"][0]["name"] == "project_id"
    assert set(one) == {"parameters", "get", "patch", "delete"}


def test_every_api_route_is_documented(ctx, doc):
    assert undocumented(ctx, doc) == []


def test_an_undocumented_route_is_reported(ctx, doc):
    del doc["paths"]["/tokens"]
    del doc["paths"]["/projects/{project_id}"]["patch"]
    assert undocumented(ctx, doc) == ["PATCH /projects/{project_id}", "POST /tokens"]
