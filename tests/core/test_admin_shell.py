"""The admin shell: menu and 403 by permission, companies, users, roles, API tokens, company
switcher, CSRF and language."""

import re

import pytest
from sqlalchemy import select

from core.auth.services import token_owner
from core.extensions import db
from core.models import Company, Membership, Role, RolePermission, User
from core.permissions import DEFAULT_ROLES
from core.services import companies as svc
from tests.conftest import PASSWORD, login
from tests.core.admin_client import english, new_client


@pytest.fixture
def client(ctx):
    return new_client(ctx)


def menu_links(page: str) -> set[str]:
    nav = re.search(r'<ul class="nav navbar-nav mr-auto">.*?</ul>\s*</div>', page, re.S)
    return set(re.findall(r'href="(/admin/[^"?]*)"', nav.group(0)))


def test_menu_shows_only_screens_the_user_may_open(client, world):
    login(client, "rep-a@example.com")
    rep = menu_links(client.get("/admin/").text)
    assert "/admin/projects/" in rep
    assert not {"/admin/users/", "/admin/roles/", "/admin/plugins/", "/admin/companies/"} & rep
    client.post("/logout")
    login(client, "admin-a@example.com")
    admin = menu_links(client.get("/admin/").text)
    assert {"/admin/users/", "/admin/memberships/", "/admin/roles/", "/admin/plugins/"} <= admin
    assert "/admin/api_tokens/" in admin and "/admin/companies/" not in admin


def test_403_page_names_the_refusing_permission(client, world):
    login(client, "rep-a@example.com")
    page = client.get("/admin/plugins/")
    assert page.status_code == 403
    assert "core.plugins.manage" in page.text
    assert client.post("/admin/plugins/sales/state", data={"enabled": "1"}).status_code == 403


def test_companies_screen_is_for_group_admins_even_if_a_role_holds_the_permission(client, world):
    admin_role = db.session.scalar(
        select(Role).where(Role.company_id == world.a.id, Role.code == "company_admin")
    )
    admin_role.grants.append(RolePermission(permission="core.companies.manage"))
    db.session.commit()
    login(client, "admin-a@example.com")
    page = client.get("/admin/companies/")
    assert page.status_code == 403 and "core.companies.manage" in page.text
    client.post("/logout")
    login(client, "root@example.com")
    assert "Zhengzhou Co" in client.get("/admin/companies/").text


def test_company_created_in_the_admin_gets_the_default_roles(client, world):
    login(client, "root@example.com")
    data = {"group": str(world.group.id), "code": "KF", "name": "Kaifeng Co"}
    response = client.post(
        "/admin/companies/new/", data={**data, "region_code": "KF", "default_locale": "en"}
    )
    assert response.status_code == 302
    company = db.session.scalar(select(Company).where(Company.code == "KF"))
    assert company.default_locale == "en"
    codes = set(db.session.scalars(select(Role.code).where(Role.company_id == company.id)))
    assert codes == set(DEFAULT_ROLES)
    again = client.post(
        "/admin/companies/new/", data={**data, "region_code": "KF", "default_locale": "en"}
    )
    assert again.status_code == 200 and 'class="form-control is-invalid" id="code"' in again.text
    assert len(db.session.scalars(select(Company).where(Company.code == "KF")).all()) == 1


def test_user_created_in_the_admin_has_a_hashed_password_and_joins_the_company(client, world):
    login(client, "admin-a@example.com")
    response = client.post(
        "/admin/users/new/",
        data={
            "email": "New@Example.com",
            "name": "New",
            "active": "y",
            "password": "brand-new-pass",
            "is_group_admin": "y",  # not a field for a company admin: ignored
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new@example.com"))
    assert user.password_hash != "brand-new-pass" and user.check_password("brand-new-pass")
    assert not user.is_group_admin
    assert db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.company_id == world.a.id)
    )
    # The service's own check (a password is required) shows next to the field.
    missing = client.post("/admin/users/new/", data={"email": "x@example.com", "active": "y"})
    assert missing.status_code == 200 and "at least 8 characters" in missing.text
    assert db.session.scalar(select(User).where(User.email == "x@example.com")) is None


def test_password_hash_is_never_shown(client, world):
    login(client, "root@example.com")
    secret = world.rep_a.password_hash
    for url in (
        "/admin/users/",
        f"/admin/users/details/?id={world.rep_a.id}",
        f"/admin/users/edit/?id={world.rep_a.id}",
        "/admin/users/export/csv/",
    ):
        page = client.get(url).text
        assert secret not in page and "password_hash" not in page


def test_company_admin_cannot_change_a_user_who_also_belongs_elsewhere(client, world):
    shared = svc.create_user("shared@example.com", PASSWORD)
    svc.add_member(shared, world.a, ["sales_rep"])
    svc.add_member(shared, world.b, ["company_admin"])
    before = shared.password_hash
    data = {"email": "shared@example.com", "name": "s", "active": "y", "password": "new-pass-123"}
    login(client, "admin-a@example.com")
    client.post(f"/admin/users/edit/?id={shared.id}", data=data)
    db.session.expire_all()
    assert db.session.get(User, shared.id).password_hash == before
    # Control: the group admin may.
    client.post("/logout")
    login(client, "root@example.com")
    client.post(f"/admin/users/edit/?id={shared.id}", data=data)
    db.session.expire_all()
    assert db.session.get(User, shared.id).check_password("new-pass-123")


def test_role_permissions_are_checkboxes_grouped_by_plugin(client, world):
    rep = db.session.scalar(
        select(Role).where(Role.company_id == world.a.id, Role.code == "sales_rep")
    )
    before = rep.permissions
    login(client, "admin-a@example.com")
    english(client)
    page = client.get(f"/admin/roles/edit/?id={rep.id}").text
    assert re.search(r"<legend[^>]*>Sales</legend>", page)
    assert re.search(r'type="checkbox" name="permissions" value="sales.view"[^>]*checked', page)
    # Group-admin power is never grantable through a role.
    assert 'value="core.companies.manage"' not in page
    wanted = ["core.projects.view", "sales.manage", "core.companies.manage"]
    data = {"code": "sales_rep", "name": rep.name, "permissions": wanted}
    client.post(f"/admin/roles/edit/?id={rep.id}", data=data)
    db.session.expire_all()
    assert db.session.get(Role, rep.id).permissions == before  # refused as a whole
    data["permissions"] = wanted[:2]
    assert client.post(f"/admin/roles/edit/?id={rep.id}", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Role, rep.id).permissions == set(wanted[:2])


def test_a_role_held_by_members_is_not_deleted(client, world):
    rep = db.session.scalar(
        select(Role).where(Role.company_id == world.a.id, Role.code == "sales_rep")
    )
    login(client, "admin-a@example.com")
    client.post("/admin/roles/delete/", data={"id": str(rep.id), "url": "/admin/roles/"})
    db.session.expire_all()
    assert db.session.get(Role, rep.id) is not None


def test_api_token_is_shown_once_and_can_be_revoked(client, world):
    login(client, "admin-a@example.com")
    created = client.post("/admin/api_tokens/", data={"name": "ci"})
    assert created.headers["Cache-Control"] == "no-store"
    plain = re.search(r"erp_[A-Za-z0-9_-]{20,}", created.text).group(0)
    row = token_owner(plain)
    assert row.user_id == world.admin_a.id and row.company_id == world.a.id
    listing = client.get("/admin/api_tokens/").text
    assert plain not in listing and row.prefix in listing
    assert client.post(f"/admin/api_tokens/{row.id}/revoke").status_code == 302
    assert token_owner(plain) is None


def test_api_tokens_of_others_are_neither_listed_nor_revoked(client, world):
    from core.auth.services import create_token

    other = create_token(world.admin_b, world.b, "b-token")
    row = token_owner(other)
    login(client, "admin-a@example.com")
    assert row.prefix not in client.get("/admin/api_tokens/").text
    assert client.post(f"/admin/api_tokens/{row.id}/revoke").status_code == 404
    assert token_owner(other) is not None


def test_company_switcher_offers_only_own_companies(client, world):
    login(client, "admin-a@example.com")
    client.post("/switch-company", data={"company_id": str(world.b.id)})
    assert "Luoyang Co" in client.get("/admin/").text
    assert "Zheng Towers" not in client.get("/admin/projects/").text
    client.post("/logout")
    login(client, "root@example.com")
    client.post("/switch-company", data={"company_id": str(world.b.id)})
    assert "Zhengzhou Co" in client.get("/admin/").text
    assert "Zheng Towers" in client.get("/admin/projects/").text


def test_company_locale_renders_chinese_and_english_can_be_chosen(client, world):
    assert world.a.default_locale == "zh_Hans_CN"
    login(client, "admin-a@example.com", locale=None)
    chinese = client.get("/admin/projects/").text
    assert "列表" in chinese and "导出" in chinese  # Flask-Admin's own catalogue
    english(client)
    page = client.get("/admin/projects/").text
    assert "列表" not in page and ">List" in page and "Export" in page


@pytest.fixture(scope="session")
def csrf_app(app, database_url):
    """An app with CSRF protection on, on the same (already created) database."""
    from core.app import create_app

    return create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "WTF_CSRF_ENABLED": True}
    )


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_csrf_posts_without_the_token_are_refused(csrf_app, world):
    client = new_client(csrf_app)
    data = {"email": "admin-a@example.com", "password": PASSWORD}
    assert client.post("/login", data=data).status_code == 400
    login_page = client.get("/login").text
    assert client.post("/login", data={**data, "csrf_token": _token(login_page)}).status_code == 302

    project = {"name": "Forged", "type": "villa", "region_code": "LY"}
    assert client.post("/admin/projects/new/", data=project).status_code == 400
    assert db.session.scalar(select(svc.Project).where(svc.Project.name == "Forged")) is None
    # Control: the token the create form carries is accepted (one scheme for all forms).
    form = client.get("/admin/projects/new/").text
    response = client.post("/admin/projects/new/", data={**project, "csrf_token": _token(form)})
    assert response.status_code == 302
    assert db.session.scalar(select(svc.Project).where(svc.Project.name == "Forged")) is not None
