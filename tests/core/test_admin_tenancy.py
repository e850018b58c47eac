"""Tenancy through the admin: a user of company A can neither see nor touch company B's rows.

Each attempt names B's row by its real id (as a guess would), and the database is read again
afterwards. Controls doing the same on A's own rows prove that the requests are well formed.
"""

import re

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import Membership, Project, Role
from core.models.auth import membership_role
from core.services import companies as svc
from tests.conftest import login
from tests.core.admin_client import new_client


@pytest.fixture
def client(ctx):
    return new_client(ctx)


def fresh(model, row_id):
    """The row as stored now (outside a request nothing is scoped)."""
    db.session.expire_all()
    return db.session.get(model, row_id)


def snapshot(row):
    if isinstance(row, Project):
        return (row.name, row.type, row.region_code, row.company_id)
    if isinstance(row, Membership):
        return (row.user_id, row.company_id, sorted(r.id for r in row.roles))
    return (row.code, row.name, row.company_id, sorted(row.permissions))


def role(company, code):
    return db.session.scalar(select(Role).where(Role.company_id == company.id, Role.code == code))


def membership(user, company):
    return db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.company_id == company.id)
    )


# endpoint -> (row of company B, row of company A, model, edit form data given company A)
CASES = {
    "projects": (
        lambda w: w.project_b,
        lambda w: w.project_a,
        Project,
        lambda w: {"name": "Hacked", "type": "villa", "region_code": "XX"},
    ),
    "memberships": (
        lambda w: membership(w.admin_b, w.b),
        lambda w: membership(w.rep_a, w.a),
        Membership,
        lambda w: {"roles": [str(role(w.a, "finance").id)]},
    ),
    "roles": (
        lambda w: role(w.b, "sales_rep"),
        lambda w: role(w.a, "sales_rep"),
        Role,
        lambda w: {"code": "hacked", "name": "Hacked", "permissions": ["core.users.manage"]},
    ),
}


@pytest.mark.parametrize("endpoint", CASES)
def test_company_a_cannot_read_change_or_delete_company_b_rows(client, world, endpoint):
    b_row, _a_row, model, data = CASES[endpoint]
    target = b_row(world)
    before, target_id = snapshot(target), target.id
    login(client, "admin-a@example.com")
    base = f"/admin/{endpoint}"

    # Found rows answer 200 here; a row of another company is "not found" (redirect).
    assert client.get(f"{base}/details/?id={target_id}").status_code == 302
    assert client.get(f"{base}/edit/?id={target_id}").status_code == 302
    client.post(f"{base}/edit/?id={target_id}", data=data(world))
    assert snapshot(fresh(model, target_id)) == before
    client.post(f"{base}/delete/", data={"id": str(target_id), "url": f"{base}/"})
    row = fresh(model, target_id)
    assert row is not None and snapshot(row) == before


@pytest.mark.parametrize("endpoint", CASES)
def test_control_own_rows_are_read_changed_and_deleted(client, world, endpoint):
    _b_row, a_row, model, data = CASES[endpoint]
    target = a_row(world)
    before, target_id = snapshot(target), target.id
    if endpoint == "roles":
        # A held role may not be deleted: free it for the control.
        db.session.execute(membership_role.delete().where(membership_role.c.role_id == target_id))
        db.session.commit()
    login(client, "admin-a@example.com")
    base = f"/admin/{endpoint}"

    assert client.get(f"{base}/details/?id={target_id}").status_code == 200
    assert client.get(f"{base}/edit/?id={target_id}").status_code == 200
    assert client.post(f"{base}/edit/?id={target_id}", data=data(world)).status_code == 302
    assert snapshot(fresh(model, target_id)) != before
    client.post(f"{base}/delete/", data={"id": str(target_id), "url": f"{base}/"})
    assert fresh(model, target_id) is None


def test_lists_and_csv_exports_show_only_the_current_company(client, world):
    login(client, "admin-a@example.com")
    projects = client.get("/admin/projects/").text
    assert "Peony Garden" in projects and "Zheng Towers" not in projects
    export = client.get("/admin/projects/export/csv/")
    assert export.status_code == 200
    assert "Peony Garden" in export.text and "Zheng Towers" not in export.text
    members = client.get("/admin/memberships/export/csv/").text
    assert "rep-a@example.com" in members and "admin-b@example.com" not in members
    assert "admin-b@example.com" not in client.get("/admin/memberships/").text


def _role_options(page: str) -> set[int]:
    select_html = re.search(r'<select[^>]*id="roles".*?</select>', page, re.S).group(0)
    return {int(v) for v in re.findall(r'value="(\d+)"', select_html)}


def test_roles_dropdown_is_scoped_by_the_orm_session(client, world):
    """The membership form's roles select is built by Flask-Admin's own query, which no view
    filters: only the ORM session's tenancy criteria keep company B's roles out of it."""
    a_roles = set(db.session.scalars(select(Role.id).where(Role.company_id == world.a.id)))
    b_roles = set(db.session.scalars(select(Role.id).where(Role.company_id == world.b.id)))
    login(client, "admin-a@example.com")
    rep_a = membership(world.rep_a, world.a)
    for url in ("/admin/memberships/new/", f"/admin/memberships/edit/?id={rep_a.id}"):
        page = client.get(url)
        assert _role_options(page.text) == a_roles
        assert not _role_options(page.text) & b_roles


def test_a_role_of_company_b_cannot_be_given_through_the_form(client, world):
    newcomer = svc.create_user("new@example.com", "secret-pass-1")
    db.session.commit()
    b_role = role(world.b, "company_admin")
    login(client, "admin-a@example.com")
    client.post(
        "/admin/memberships/new/",
        data={"user_email": "new@example.com", "roles": [str(b_role.id)]},
    )
    db.session.expire_all()
    assert db.session.scalar(select(Membership).where(Membership.user_id == newcomer.id)) is None
    # Control: the same form with a role of company A creates the membership.
    a_role = role(world.a, "company_admin")
    client.post(
        "/admin/memberships/new/",
        data={"user_email": "new@example.com", "roles": [str(a_role.id)]},
    )
    created = membership(newcomer, world.a)
    assert created is not None and [r.id for r in created.roles] == [a_role.id]


def test_company_admin_sees_and_reaches_only_members_of_the_company(client, world):
    """Users are not tenant rows: the users screen filters by membership itself."""
    login(client, "admin-a@example.com")
    page = client.get("/admin/users/").text
    assert "rep-a@example.com" in page and "admin-b@example.com" not in page
    assert "admin-b@example.com" not in client.get("/admin/users/export/csv/").text
    before = world.admin_b.password_hash
    assert client.get(f"/admin/users/details/?id={world.admin_b.id}").status_code == 302
    assert client.get(f"/admin/users/edit/?id={world.admin_b.id}").status_code == 302
    client.post(
        f"/admin/users/edit/?id={world.admin_b.id}",
        data={
            "email": "admin-b@example.com",
            "name": "x",
            "active": "y",
            "password": "taken-over-1",
        },
    )
    assert fresh(type(world.admin_b), world.admin_b.id).password_hash == before


def test_group_admin_sees_every_user(client, world):
    login(client, "root@example.com")
    page = client.get("/admin/users/").text
    assert "admin-b@example.com" in page and "rep-a@example.com" in page
