"""Audit log: every create/update/delete of business data and every approval decision is logged
with user, time, company and the changed fields; the log is append-only and tenant-scoped."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update

from core import audit
from core.audit.service import json_safe
from core.auth.services import create_token
from core.extensions import db
from core.models import Project, Role
from core.models.audit import AuditEntry
from core.services import companies as svc
from core.tenancy import company_scope
from tests.conftest import login


def entries(**where) -> list[AuditEntry]:
    """Entries of every company (unscoped), oldest first."""
    with company_scope(None):
        query = select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)
        return list(db.session.scalars(query))


def the_update_of(project_id: int) -> AuditEntry:
    [entry] = entries(model="project", record_id=project_id, action="update")
    return entry


def test_audit_admin_edit_is_logged_with_user_company_and_old_new(client, world):
    login(client, "admin-a@example.com")
    response = client.post(
        f"/admin/projects/edit/?id={world.project_a.id}",
        data={"name": "Peony Garden II", "type": "residential", "region_code": "LY"},
    )
    assert response.status_code == 302, response.text
    entry = the_update_of(world.project_a.id)
    assert (entry.user_id, entry.company_id) == (world.admin_a.id, world.a.id)
    assert entry.changes == {"name": ["Peony Garden", "Peony Garden II"]}
    assert entry.at <= dt.datetime.now(dt.UTC).replace(tzinfo=None)


def test_audit_api_patch_is_logged_with_token_user(client, world):
    token = create_token(world.admin_a, world.a, "audit test")
    response = client.patch(
        f"/api/v1/projects/{world.project_a.id}",
        json={"type": "villa"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    entry = the_update_of(world.project_a.id)
    assert (entry.user_id, entry.company_id) == (world.admin_a.id, world.a.id)
    assert entry.changes == {"type": ["residential", "villa"]}
    # Recording the token's use is bookkeeping, not a business change.
    assert entries(model="api_token", action="update") == []


def test_audit_job_change_is_logged_with_the_actor_it_set(world):
    project_id, rep_id, company_id = world.project_a.id, world.rep_a.id, world.a.id
    db.session.expunge_all()
    with company_scope(company_id), audit.actor(rep_id):
        project = db.session.get(Project, project_id)
        project.region_code = "LY2"
        db.session.commit()
    entry = the_update_of(project_id)
    assert (entry.user_id, entry.company_id) == (rep_id, company_id)
    assert entry.changes == {"region_code": ["LY", "LY2"]}


def test_audit_create_and_delete_carry_the_values(world):
    with company_scope(world.a.id), audit.actor(world.admin_a.id):
        project = svc.create_project(
            world.a, {"name": "Lotus Court", "type": "villa", "region_code": "LY"}
        )
        project_id = project.id
        db.session.delete(project)
        db.session.commit()
    created, deleted = entries(model="project", record_id=project_id)
    assert created.action == "create" and deleted.action == "delete"
    assert created.changes["name"] == [None, "Lotus Court"]
    assert created.changes["company_id"] == [None, world.a.id]
    assert deleted.changes["type"] == ["villa", None]
    assert {created.user_id, deleted.user_id} == {world.admin_a.id}


def test_audit_system_change_has_no_user(world):
    assert entries(model="project", record_id=world.project_b.id)[0].user_id is None


def test_audit_rolled_back_change_leaves_no_entry(world):
    with company_scope(world.a.id):
        world.project_a.name = "Never saved"
        db.session.flush()  # the entry is written in the flush ...
        assert len(entries(model="project", action="update")) == 1
        db.session.rollback()  # ... and goes with the transaction
    assert entries(model="project", action="update") == []


def test_audit_secrets_are_masked(ctx):
    user = svc.create_user("someone@example.com", "secret-pass-9")
    db.session.commit()
    [entry] = entries(model="user_account", record_id=user.id)
    assert entry.company_id is None
    assert entry.changes["password_hash"] == [None, "***"]
    assert user.password_hash not in str(entry.changes)


def test_audit_entries_cannot_be_updated_or_deleted(world):
    [entry] = entries(model="project", record_id=world.project_a.id)
    entry.action = "tampered"
    with pytest.raises(audit.AuditLogReadOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(entry)
    with pytest.raises(audit.AuditLogReadOnly):
        db.session.flush()
    db.session.rollback()
    for statement in (update(AuditEntry).values(action="x"), delete(AuditEntry)):
        with pytest.raises(audit.AuditLogReadOnly):
            db.session.execute(statement)
        db.session.rollback()
    assert entries(model="project", record_id=world.project_a.id)[0].action == "create"


def test_audit_admin_has_no_edit_or_delete(client, world):
    login(client, "admin-a@example.com")
    [entry] = entries(model="project", record_id=world.project_a.id)
    assert client.get(f"/admin/audit/edit/?id={entry.id}").status_code == 302
    client.post("/admin/audit/delete/", data={"id": entry.id})
    assert len(entries(model="project", record_id=world.project_a.id)) == 1


def test_audit_company_b_admin_sees_none_of_company_a(client, world):
    login(client, "admin-b@example.com")
    page = client.get("/admin/audit/?page_size=500")
    assert page.status_code == 200
    assert "Zheng Towers" in page.text  # B's own project creation
    assert "Peony Garden" not in page.text
    with company_scope(world.b.id):
        seen = db.session.scalars(select(AuditEntry)).all()
    assert seen and {e.company_id for e in seen} == {world.b.id}


def test_audit_view_needs_permission(client, world):
    login(client, "rep-a@example.com")
    response = client.get("/admin/audit/")
    assert response.status_code == 403
    assert "core.audit.view" in response.text


def test_audit_record_decision(world):
    with company_scope(world.a.id), audit.actor(world.admin_a.id):
        audit.record_decision(world.project_a, "approved", "fine by me", "VP approval")
        db.session.commit()
    [entry] = entries(action="approval")
    assert (entry.model, entry.record_id) == ("project", world.project_a.id)
    assert (entry.user_id, entry.company_id) == (world.admin_a.id, world.a.id)
    assert entry.changes == {
        "decision": [None, "approved"],
        "comment": [None, "fine by me"],
        "step": [None, "VP approval"],
    }


def test_audit_values_are_json_safe():
    value = {
        "price": Decimal("1234.50"),
        "day": dt.date(2027, 10, 1),
        "at": dt.datetime(2027, 10, 1, 8, 30),
        "ids": (1, 2),
    }
    assert json_safe(value) == {
        "price": "1234.50",
        "day": "2027-10-01",
        "at": "2027-10-01T08:30:00",
        "ids": [1, 2],
    }


def test_audit_admin_filters_by_user(client, world):
    with company_scope(world.a.id), audit.actor(world.rep_a.id):
        world.project_a.name = "Renamed by the rep"
        db.session.commit()
    login(client, "admin-a@example.com")
    views = client.application.extensions["admin"][0]._views
    view = next(v for v in views if getattr(v, "endpoint", "") == "audit")
    by_user = next(
        i
        for i, f in enumerate(view._filters)
        if (str(f.name), str(f.operation())) == ("User", "equals")
    )
    page = client.get(f"/admin/audit/?flt0_{by_user}=rep-a@example.com")
    assert "Renamed by the rep" in page.text
    assert page.text.count("<tr") == 2  # the header and the rep's one entry


def role_ids(company, *codes) -> list[int]:
    with company_scope(company.id):
        query = select(Role.id).where(Role.code.in_(codes)).order_by(Role.id)
        return list(db.session.scalars(query))


def test_audit_role_assignment_is_logged_as_role_ids(world):
    svc.add_member(world.rep_a, world.a, ["cs_rep"])
    [entry] = entries(model="membership", action="update")
    assert entry.changes == {
        "roles": [role_ids(world.a, "sales_rep"), role_ids(world.a, "sales_rep", "cs_rep")]
    }
    [joined] = entries(model="membership", action="create", company_id=world.b.id)
    assert joined.changes["roles"] == [[], role_ids(world.b, "company_admin", "site_manager")]
