"""Shared set-up of the approval tests: company A's deciders and the SAL-20 discount flow."""

from decimal import Decimal

import pytest

from core.approvals import save_flow, submit
from core.services.companies import add_member, create_user
from tests.conftest import PASSWORD

# SAL-20: rep 0 %, site manager up to 1 %, VP up to 3 %, GM above.
SAL20 = {
    "doc_type": "sales.discount",
    "name": "Discount authority",
    "steps": [
        {
            "name": "Site manager",
            "roles": ["site_manager"],
            "condition": {"field": "discount_pct", "op": ">", "value": "0"},
        },
        {
            "name": "VP",
            "roles": ["vp"],
            "condition": {"field": "discount_pct", "op": ">", "value": "1"},
        },
        {
            "name": "GM",
            "roles": ["gm"],
            "condition": {"field": "discount_pct", "op": ">", "value": "3"},
        },
    ],
}


@pytest.fixture(name="people")
def people_fixture(world):
    """Company A's deciders: a second site manager, a VP, a GM; B's admin is a site manager
    of B only."""
    w = world
    w.sm = w.admin_a  # company_admin + site_manager in A
    for attr, email, roles in (
        ("sm2", "sm2-a@example.com", ["site_manager"]),
        ("vp", "vp-a@example.com", ["vp"]),
        ("gm", "gm-a@example.com", ["gm"]),
    ):
        user = create_user(email, PASSWORD)
        add_member(user, w.a, roles)
        setattr(w, attr, user)
    return w


@pytest.fixture(name="sal20")
def sal20_fixture(people):
    people.flow = save_flow(people.a, SAL20)
    return people


def discount(w, pct: str, order_id: int = 1, requester=None):
    """The rep asks for a discount of ``pct`` % on order ``order_id`` of company A."""
    return submit(
        w.a,
        "sales.discount",
        "sales.order",
        order_id,
        {"discount_pct": Decimal(pct), "unit": "3-1-201"},
        requester or w.rep_a,
    )
