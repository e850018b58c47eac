"""The example third-party plugin (``examples/erp-visitor-log``) is discovered and gated per
company exactly like a built-in one: enabled for company A only, it is invisible to B."""

from importlib.metadata import entry_points

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

import erp_visitor_log
from core.auth.services import create_token
from core.extensions import db
from core.plugins import ENTRY_POINT_GROUP, state
from core.plugins.registry import discover
from core.services.companies import add_member, create_project, create_user
from core.tenancy import company_scope
from erp_visitor_log.models import VisitorNote
from tests.conftest import PASSWORD, login

NOTES_VIEW = "/admin/visitor_log_notes/"
NOTES_API = "/api/v1/visitor-log/notes"


def notes_of(company) -> list[str]:
    with company_scope(company.id):
        return db.session.scalars(select(VisitorNote.text).order_by(VisitorNote.id)).all()


def new_project(company, name):
    return create_project(company, {"name": name, "type": "villa", "region_code": "LY"})


def bearer(user, company) -> dict:
    return {"Authorization": f"Bearer {create_token(user, company, 'test')}"}


@pytest.fixture
def only_a(world):
    """visitor_log enabled for A only, then one project created in each company."""
    state.enable(world.a, "visitor_log")
    world.lotus = new_project(world.a, "Lotus Court")
    world.plum = new_project(world.b, "Plum Court")
    return world


def test_discovered_through_its_entry_point_like_the_builtins(app):
    eps = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assert eps["visitor_log"].value == "erp_visitor_log"
    # Its own distribution, found by the same discovery as the built-ins.
    assert eps["visitor_log"].dist.name == "erp-visitor-log"
    assert eps["sales"].dist.name == "erp-realestate"
    assert erp_visitor_log in discover()
    registry = app.extensions["erp_plugins"]
    assert registry.pm.get_plugin("visitor_log") is erp_visitor_log
    assert registry.manifests["visitor_log"].depends == ()


def test_installed_is_not_enabled(world):
    assert not state.is_enabled(world.a, "visitor_log")
    new_project(world.a, "Lotus Court")
    assert notes_of(world.a) == []


def test_admin_view_in_a_menu_and_404_in_b(only_a, app):
    a, b = app.test_client(), app.test_client()
    login(a, "admin-a@example.com")
    assert NOTES_VIEW in a.get("/admin/").text
    page = a.get(NOTES_VIEW)
    assert page.status_code == 200
    assert "Visitor log opened for Lotus Court." in page.text
    login(b, "admin-b@example.com")
    assert NOTES_VIEW not in b.get("/admin/").text
    assert b.get(NOTES_VIEW).status_code == 404


def test_admin_view_needs_its_declared_permission(only_a, client):
    clerk = create_user("clerk-a@example.com", PASSWORD)
    add_member(clerk, only_a.a, ["archive_clerk"])  # not among visitor_log.view's roles
    login(client, "clerk-a@example.com")
    refused = client.get(NOTES_VIEW)
    assert refused.status_code == 403
    assert "visitor_log.view" in refused.text


def test_api_lists_a_notes_and_answers_404_in_b(only_a, client):
    page = client.get(NOTES_API, headers=bearer(only_a.admin_a, only_a.a))
    assert page.status_code == 200
    assert page.json["total"] == 1
    assert page.json["items"][0]["text"] == "Visitor log opened for Lotus Court."
    assert page.json["items"][0]["project_id"] == only_a.lotus.id
    assert client.get(NOTES_API, headers=bearer(only_a.admin_b, only_a.b)).status_code == 404


def test_api_is_paginated(only_a, client):
    new_project(only_a.a, "Magnolia Park")
    headers = bearer(only_a.admin_a, only_a.a)
    page = client.get(NOTES_API + "?per_page=1&page=2", headers=headers).json
    assert (page["total"], page["page"], len(page["items"])) == (2, 2, 1)
    assert page["items"][0]["text"].endswith("Magnolia Park.")
    assert client.get(NOTES_API + "?per_page=0", headers=headers).status_code == 422


def test_project_created_adds_a_note_only_where_enabled(only_a):
    assert notes_of(only_a.a) == ["Visitor log opened for Lotus Court."]
    assert notes_of(only_a.b) == []


def test_disable_keeps_data_and_enable_resumes(only_a, client):
    headers = bearer(only_a.admin_a, only_a.a)
    state.disable(only_a.a, "visitor_log")
    new_project(only_a.a, "Orchid Bay")
    assert notes_of(only_a.a) == ["Visitor log opened for Lotus Court."]
    assert client.get(NOTES_API, headers=headers).status_code == 404

    state.enable(only_a.a, "visitor_log")
    new_project(only_a.a, "Jasmine Hill")
    assert notes_of(only_a.a) == [
        "Visitor log opened for Lotus Court.",
        "Visitor log opened for Jasmine Hill.",
    ]
    assert client.get(NOTES_API, headers=headers).json["total"] == 2


def test_greeting_setting_is_validated_and_used(only_a):
    state.update_settings(only_a.a, "visitor_log", {"greeting": "Welcome to {project}!"})
    new_project(only_a.a, "Orchid Bay")
    assert notes_of(only_a.a)[-1] == "Welcome to Orchid Bay!"
    with pytest.raises(ValidationError) as refused:
        state.update_settings(only_a.a, "visitor_log", {"greeting": "x" * 201})
    assert "greeting" in refused.value.messages
    assert state.get_settings(only_a.a, "visitor_log")["greeting"] == "Welcome to {project}!"
