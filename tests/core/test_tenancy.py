"""ORM-level tenancy: under a company scope the session sees and writes only that company."""

import types

import pytest
from sqlalchemy import delete, func, insert, select, update

from core.extensions import db
from core.models import Membership, Project, User
from core.services import companies as svc
from core.tenancy import NO_COMPANY, TenantViolation, company_scope


@pytest.fixture
def ids(world):
    """Plain ids, usable after the identity map is cleared."""
    return types.SimpleNamespace(
        a=world.a.id, b=world.b.id, pa=world.project_a.id, pb=world.project_b.id
    )


def _all_names():
    with company_scope(None):
        return {p.name: p.company_id for p in db.session.scalars(select(Project))}


def test_select_returns_only_current_company_rows(world, ids):
    svc.create_project(world.b, {"name": "Second B", "type": "villa", "region_code": "ZZ"})
    db.session.expunge_all()
    with company_scope(ids.a):
        rows = db.session.scalars(select(Project)).all()
        names = db.session.scalars(select(Project.name)).all()
        count = db.session.scalar(select(func.count()).select_from(select(Project).subquery()))
    assert [p.name for p in rows] == ["Peony Garden"]
    assert names == ["Peony Garden"]
    assert count == 1


def test_get_by_primary_key_of_other_company_is_none(ids):
    db.session.expunge_all()
    with company_scope(ids.a):
        assert db.session.get(Project, ids.pb) is None
        assert db.session.get(Project, ids.pa).name == "Peony Garden"


def test_bulk_update_and_delete_touch_only_current_company(world):
    with company_scope(world.a.id):
        changed = db.session.execute(update(Project).values(region_code="XX"))
        assert changed.rowcount == 1
        gone = db.session.execute(delete(Project).where(Project.name != ""))
        assert gone.rowcount == 1
        db.session.commit()
    assert _all_names() == {"Zheng Towers": world.b.id}
    with company_scope(None):
        assert db.session.scalar(select(Project.region_code)) == "ZZ"


def test_bulk_write_to_other_company_is_refused(world):
    with company_scope(world.a.id):
        with pytest.raises(TenantViolation):
            db.session.execute(update(Project).values(company_id=world.b.id))
        with pytest.raises(TenantViolation):
            db.session.execute(
                insert(Project),
                [{"name": "X", "type": "villa", "region_code": "ZZ", "company_id": world.b.id}],
            )
    db.session.rollback()
    assert _all_names() == {"Peony Garden": world.a.id, "Zheng Towers": world.b.id}


def test_relationship_lazy_load_does_not_leak(world, ids):
    # admin-a joins B as well: under A's scope, the user's memberships show only A's.
    svc.add_member(world.admin_a, world.b, ["sales_rep"])
    user_id = world.admin_a.id
    db.session.expunge_all()
    with company_scope(ids.a):
        user = db.session.get(User, user_id)
        memberships = user.memberships
        assert [m.company_id for m in memberships] == [ids.a]
        assert {r.company_id for r in memberships[0].roles} == {ids.a}
    with company_scope(None):
        assert (
            db.session.scalar(
                select(func.count()).select_from(Membership).where(Membership.user_id == user_id)
            )
            == 2
        )


def test_flush_changing_other_company_row_is_refused(world):
    with company_scope(None):
        b_project = db.session.get(Project, world.project_b.id)
    with company_scope(world.a.id):
        b_project.name = "Hijacked"
        with pytest.raises(TenantViolation):
            db.session.flush()
    db.session.rollback()
    with company_scope(world.a.id):
        db.session.delete(b_project)
        with pytest.raises(TenantViolation):
            db.session.flush()
    db.session.rollback()
    assert _all_names()["Zheng Towers"] == world.b.id


@pytest.mark.parametrize("how", ["company_id", "relationship"])
def test_flush_moving_row_to_other_company_is_refused(world, how):
    with company_scope(world.a.id):
        project = db.session.get(Project, world.project_a.id)
        if how == "company_id":
            project.company_id = world.b.id
        else:
            project.company = world.b
        with pytest.raises(TenantViolation):
            db.session.flush()
    db.session.rollback()
    assert _all_names()["Peony Garden"] == world.a.id


def test_new_rows_get_current_company_and_other_company_is_refused(world):
    with company_scope(world.a.id):
        project = Project(name="New A", type="villa", region_code="LY")
        db.session.add(project)
        db.session.flush()
        assert project.company_id == world.a.id
        db.session.add(Project(name="Into B", type="villa", region_code="ZZ", company=world.b))
        with pytest.raises(TenantViolation):
            db.session.flush()
    db.session.rollback()


def test_no_company_scope_sees_nothing_and_writes_nothing(ids):
    db.session.expunge_all()
    with company_scope(NO_COMPANY):
        assert db.session.scalars(select(Project)).all() == []
        assert db.session.get(Project, ids.pa) is None
        db.session.add(Project(name="Orphan", type="villa", region_code="LY"))
        with pytest.raises(TenantViolation):
            db.session.flush()
    db.session.rollback()


def _job_rename_all(suffix):
    """A background job: it only knows the ORM, never a company filter."""
    for project in db.session.scalars(select(Project)):
        project.name += suffix
    db.session.commit()
    return db.session.scalar(select(func.count(Project.id)))


def test_job_under_company_scope_sees_only_its_company(world):
    with company_scope(world.b.id):
        assert _job_rename_all(" (checked)") == 1
    assert _all_names() == {"Peony Garden": world.a.id, "Zheng Towers (checked)": world.b.id}
