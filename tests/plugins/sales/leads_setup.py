"""Shared set-up of the leads tests: the sales plugin enabled in company A, three reps on
the duty roster of project A on DAY, and a registration helper."""

import types
from datetime import date, datetime

import pytest

from core.extensions import db
from core.plugins import state
from core.services.companies import add_member, create_user
from core.tenancy import company_scope
from plugins.sales.leads import rotation, services
from tests.conftest import PASSWORD

DAY = date(2026, 11, 24)  # a Tuesday


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """A China-time moment on ``day``."""
    return datetime(day.year, day.month, day.day, hour, minute)


@pytest.fixture(name="sales")
def sales_fixture(world):
    state.enable(world.a, "sales")
    reps = [world.rep_a]
    for name in ("rep-b", "rep-c"):
        user = create_user(f"{name}@example.com", PASSWORD, name=name)
        add_member(user, world.a, ["sales_rep"])
        reps.append(user)
    rotation.set_roster(world.a, world.project_a, DAY, [r.id for r in reps])
    db.session.commit()
    return types.SimpleNamespace(world=world, company=world.a, project=world.project_a, reps=reps)


def settings(company, **values):
    state.update_settings(company, "sales", values)
    db.session.commit()


def register(s, kind="walk_in", name="张三", phone="13800000001", when=None, user=None, **extra):
    data = {
        "kind": kind,
        "project_id": s.project.id,
        "caller_name": name,
        "phone": phone,
        "source": "passing_by",
        "at": when or at(10),
        **extra,
    }
    entry = services.register(s.company, data, user or s.world.rep_a)
    db.session.commit()
    return entry


def scoped(s):
    return company_scope(s.company.id)
