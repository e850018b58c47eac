"""The JSON API base: token auth, error bodies, validation, pagination, tenancy, gating.

This module is also a tiny test plugin ("ping", one endpoint) for the gating test.
"""

import sys

import pytest
from flask import Blueprint, g
from sqlalchemy import select

from core.auth.services import create_token
from core.extensions import db
from core.hookspecs import hookimpl
from core.models import ApiToken, Company, Project
from core.plugins import Manifest
from core.plugins import state as plugin_state
from core.services.companies import create_project
from core.tenancy import company_scope

manifest = Manifest(name="ping", version="1.0.0", label="Ping")
ping_bp = Blueprint("ping", __name__)


@ping_bp.get("/ping")
def ping():
    return {"company": g.erp_company.code}


@ping_bp.get("/ping/boom")
def boom():
    raise RuntimeError("a bug")


@hookimpl
def erp_api_blueprints():
    return [ping_bp]


@hookimpl
def erp_api_schemas(spec):
    for path in ("/ping", "/ping/boom"):
        spec.path(path=path, operations={"get": {"responses": {"200": {"description": "OK"}}}})


NEW = {"name": "Lotus Bay", "type": "villa", "region_code": "LY"}


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def _error(response, status):
    assert response.status_code == status, response.text
    assert response.is_json
    assert response.json["error"]["status"] == status
    return response.json["error"]


def _names():
    """Every project's name by id, read fresh from the database, all companies."""
    with company_scope(None):
        return dict(db.session.execute(select(Project.id, Project.name)).all())


@pytest.fixture
def token_a(world):
    return create_token(world.admin_a, world.a, "test")


@pytest.fixture
def api(client, token_a):
    """A client speaking as admin-a of company A."""

    def call(method, path, **kwargs):
        return client.open(f"/api/v1{path}", method=method, headers=_auth(token_a), **kwargs)

    return call


def test_request_without_valid_token_is_401(client, world):
    for headers in [{}, _auth("erp_not-a-token"), {"Authorization": "Basic YWRtaW46YWRtaW4="}]:
        response = client.get("/api/v1/projects", headers=headers)
        assert "token" in _error(response, 401)["message"]
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_unknown_path_and_wrong_method_answer_with_error_body(api, client):
    _error(api("GET", "/no-such-thing"), 404)
    _error(client.get("/api/v1/no-such-thing"), 404)
    response = api("PUT", "/projects", json=NEW)
    _error(response, 405)
    assert {"GET", "POST"} <= set(response.headers["Allow"].split(", "))
    # Outside the API the usual HTML page stays.
    page = client.get("/no-such-page")
    assert page.status_code == 404 and not page.is_json


def test_missing_permission_is_403_naming_it(client, world):
    token = create_token(world.rep_a, world.a, "rep")
    assert client.get("/api/v1/projects", headers=_auth(token)).status_code == 200
    error = _error(client.post("/api/v1/projects", headers=_auth(token), json=NEW), 403)
    assert error["permission"] == "core.projects.edit"
    assert "core.projects.edit" in error["message"]
    assert len(_names()) == 2


def test_bad_post_is_422_naming_each_field_and_writes_nothing(api):
    error = _error(api("POST", "/projects", json={"name": "", "type": "castle", "x": 1}), 422)
    assert set(error["fields"]) == {"name", "type", "region_code", "x"}
    error = _error(api("POST", "/projects", data="[1, 2", content_type="application/json"), 422)
    assert set(error["fields"]) == {"_body"}
    assert len(_names()) == 2


def test_patch_with_one_bad_field_changes_nothing(api, world):
    path = f"/projects/{world.project_a.id}"
    error = _error(api("PATCH", path, json={"name": "Renamed", "type": "castle"}), 422)
    assert set(error["fields"]) == {"type"}
    assert _names()[world.project_a.id] == "Peony Garden"


def test_project_create_read_change_delete(api):
    created = api("POST", "/projects", json=NEW)
    assert created.status_code == 201
    path = f"/projects/{created.json['id']}"
    assert api("GET", path).json == {**NEW, "id": created.json["id"]}
    changed = api("PATCH", path, json={"name": "Lotus Bay II"})
    assert changed.status_code == 200 and changed.json["name"] == "Lotus Bay II"
    assert api("DELETE", path).status_code == 204
    _error(api("GET", path), 404)
    assert sorted(_names().values()) == ["Peony Garden", "Zheng Towers"]


def test_pagination_pages_and_checks_bounds(ctx, api, world):
    for n in range(3):
        create_project(world.a, {**NEW, "name": f"Phase {n}"})
    first = api("GET", "/projects?per_page=3").json
    assert [p["name"] for p in first["items"]] == ["Peony Garden", "Phase 0", "Phase 1"]
    assert (first["page"], first["per_page"], first["total"]) == (1, 3, 4)
    second = api("GET", "/projects?page=2&per_page=3").json
    assert [p["name"] for p in second["items"]] == ["Phase 2"]
    assert api("GET", "/projects?page=9").json["items"] == []
    too_many = ctx.config["API_MAX_PER_PAGE"] + 1
    for query, field in [
        ("page=0", "page"),
        ("page=x", "page"),
        ("per_page=0", "per_page"),
        (f"per_page={too_many}", "per_page"),
    ]:
        assert set(_error(api("GET", f"/projects?{query}"), 422)["fields"]) == {field}


def test_token_use_is_recorded(api):
    last_used = select(ApiToken.last_used_at).execution_options(erp_unscoped=True)
    assert db.session.scalar(last_used) is None
    assert api("GET", "/me").status_code == 200
    assert db.session.scalar(last_used) is not None


def test_token_endpoint_creates_a_working_token(api, client, world):
    created = api("POST", "/tokens", json={"name": "ci"})
    assert created.status_code == 201
    token = created.json["token"]
    assert created.json["prefix"] == token[:12]
    me = client.get("/api/v1/me", headers=_auth(token)).json
    assert (me["email"], me["company"]["code"]) == ("admin-a@example.com", "LY")
    assert set(_error(api("POST", "/tokens", json={}), 422)["fields"]) == {"name"}
    rep = _auth(create_token(world.rep_a, world.a, "rep"))
    denied = _error(client.post("/api/v1/tokens", headers=rep, json={"name": "x"}), 403)
    assert denied["permission"] == "core.api.tokens"


def test_other_company_project_is_404_and_untouched(api, world):
    b_id = world.project_b.id
    for method in ["GET", "PATCH", "DELETE"]:
        _error(api(method, f"/projects/{b_id}", json={"name": "Hijacked"}), 404)
    assert _names()[b_id] == "Zheng Towers"


def test_list_shows_only_own_company(api):
    page = api("GET", "/projects").json
    assert [p["name"] for p in page["items"]] == ["Peony Garden"]
    assert page["total"] == 1


@pytest.fixture(scope="module")
def ping_app(database_url):
    from core.app import create_app

    app = create_app(
        # Unexpected errors answer 500 instead of propagating into the test.
        {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "PROPAGATE_EXCEPTIONS": False},
        plugin_modules=[sys.modules[__name__]],
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _set_ping(app, company_id, enabled):
    with app.app_context():
        company = db.session.get(Company, company_id)
        (plugin_state.enable if enabled else plugin_state.disable)(company, "ping")


def test_plugin_endpoint_is_404_where_plugin_disabled(ping_app, world):
    a = _auth(create_token(world.admin_a, world.a, "a"))
    b = _auth(create_token(world.admin_b, world.b, "b"))
    client = ping_app.test_client()
    _error(client.get("/api/v1/ping", headers=a), 404)
    _set_ping(ping_app, world.a.id, True)
    assert client.get("/api/v1/ping", headers=a).json == {"company": "LY"}
    _error(client.get("/api/v1/ping", headers=b), 404)
    _set_ping(ping_app, world.a.id, False)
    _error(client.get("/api/v1/ping", headers=a), 404)


def test_unexpected_error_is_500_with_error_body(ping_app, world):
    a = _auth(create_token(world.admin_a, world.a, "a"))
    _set_ping(ping_app, world.a.id, True)
    error = _error(ping_app.test_client().get("/api/v1/ping/boom", headers=a), 500)
    assert "a bug" not in error["message"]
