"""Roles hold permissions per company; a change to roles or memberships applies at once."""

from sqlalchemy import select

from core.auth.services import create_token
from core.extensions import db
from core.models import Company, Membership, Role, RolePermission
from core.permissions import DEFAULT_ROLES, permissions_of
from core.services.companies import add_member
from core.tenancy import company_scope


def _role(company, code):
    with company_scope(company.id):
        return db.session.scalar(select(Role).where(Role.code == code))


def test_default_roles_are_the_spec_actors_with_their_grants(world):
    with company_scope(world.a.id):
        codes = set(db.session.scalars(select(Role.code)))
    assert codes == set(DEFAULT_ROLES)
    assert "core.plugins.manage" in _role(world.a, "company_admin").permissions
    assert "core.plugins.manage" not in _role(world.a, "sales_rep").permissions


def test_permissions_are_per_company(world):
    assert "core.projects.edit" in permissions_of(world.admin_a, world.a)
    assert permissions_of(world.admin_a, world.b) == frozenset()


def test_role_change_applies_on_the_next_request(client, world):
    token = create_token(world.rep_a, world.a, "t")
    headers = {"Authorization": f"Bearer {token}"}
    new = {"name": "Lily Court", "type": "villa", "region_code": "LY"}
    assert client.post("/api/v1/projects", json=new, headers=headers).status_code == 403

    rev = world.a.acl_rev
    rep = _role(world.a, "sales_rep")
    rep.grants.append(RolePermission(permission="core.projects.edit"))
    db.session.commit()
    assert db.session.get(Company, world.a.id).acl_rev == rev + 1
    assert client.post("/api/v1/projects", json=new, headers=headers).status_code == 201

    grant = db.session.get(RolePermission, (rep.id, "core.projects.edit"))
    db.session.delete(grant)
    db.session.commit()
    assert client.post("/api/v1/projects", json=new, headers=headers).status_code == 403


def test_membership_change_applies_on_the_next_request(client, world):
    token = create_token(world.rep_a, world.a, "t")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/projects", headers=headers).status_code == 200
    add_member(world.rep_a, world.a, ["site_manager"])
    new = {"name": "Lily Court", "type": "villa", "region_code": "LY"}
    assert client.post("/api/v1/projects", json=new, headers=headers).status_code == 201
    with company_scope(world.a.id):
        membership = db.session.scalar(
            select(Membership).where(Membership.user_id == world.rep_a.id)
        )
        membership.roles = [_role(world.a, "owner")]
        db.session.commit()
    assert client.get("/api/v1/projects", headers=headers).status_code == 403
