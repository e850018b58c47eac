"""Rotation, ownership, commission split and reassignment (SAL-08–11)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import approvals
from core.extensions import db
from core.services.companies import add_member, create_user
from plugins.sales.leads import rotation
from plugins.sales.leads.models import AwayReason, RepAway, Task, TaskKind
from plugins.sales.models.customers import Customer
from tests.conftest import PASSWORD
from tests.plugins.sales.leads_setup import DAY, at, register, sales_fixture, settings  # noqa: F401

D = timedelta(days=1)


def _away(sales, rep, reason=AwayReason.leave, start=DAY, end=DAY):
    db.session.add(
        RepAway(
            company_id=sales.company.id, rep_id=rep.id, start_on=start, end_on=end, reason=reason
        )
    )
    db.session.commit()


def test_sal08_rotation_in_fixed_order(sales):
    served = [register(sales, phone=str(i)).rep_id for i in range(4)]
    a, b, c = (r.id for r in sales.reps)
    assert served == [a, b, c, a]


def test_sal08_rotation_skips_away_rep(sales):
    _away(sales, sales.reps[1], AwayReason.other)
    served = [register(sales, phone=str(i)).rep_id for i in range(3)]
    a, _b, c = (r.id for r in sales.reps)
    assert served == [a, c, a]


def test_sal08_no_rep_on_duty_is_refused(sales):
    for rep in sales.reps:
        _away(sales, rep)
    with pytest.raises(rotation.NoRepOnDuty):
        register(sales)


def test_sal08_reps_may_not_pick_a_visitor(sales):
    from marshmallow import ValidationError

    from plugins.sales.leads.schemas import RegistrationSchema

    with pytest.raises(ValidationError) as refused:
        RegistrationSchema().load(
            {"kind": "walk_in", "project_id": 1, "caller_name": "x", "rep_id": 3}
        )
    assert "rep_id" in refused.value.messages


def test_sal09_returning_customer_belongs_to_original_rep(sales):
    first = register(sales, phone="1")  # rep_a by rotation
    register(sales, phone="2")  # rep_b: the rotation moves on
    again = register(sales, phone="1")
    assert again.rep_id == first.rep_id and not again.stand_in
    # The visit does not advance the rotation: the next new visitor goes to rep_c.
    assert register(sales, phone="3").rep_id == sales.reps[2].id


def test_sal09_unreachable_original_rep_rotation_serves_ownership_unchanged(sales):
    customer = register(sales, phone="1").customer
    _away(sales, sales.reps[0], AwayReason.travel, DAY + D, DAY + D)
    rotation.set_roster(sales.company, sales.project, DAY + D, [r.id for r in sales.reps])
    visit = register(sales, phone="1", when=at(10, day=DAY + D))
    assert visit.stand_in and visit.rep_id == sales.reps[1].id
    assert customer.rep_id == sales.reps[0].id


def test_sal09_referred_customer_belongs_to_referrers_original_rep(sales):
    register(sales, phone="0")  # rep_a
    referrer = register(sales, phone="1").customer  # rep_b
    referred = register(sales, name="王五", phone="2", source="referral", referrer_id=referrer.id)
    assert referred.customer.rep_id == sales.reps[1].id and referred.rep_id == sales.reps[1].id


def test_sal09_family_on_different_days_closing_rep_owns(sales):
    husband = register(sales, name="张三", phone="1").customer  # rep_a
    wife = register(sales, name="李梅", phone="2", household_id=husband.id).customer  # rep_b
    single = register(sales, name="赵六", phone="3").customer  # rep_c
    assert rotation.owner_for_deal(wife, sales.reps[1].id) == sales.reps[1].id
    assert rotation.owner_for_deal(husband, sales.reps[1].id) == sales.reps[1].id
    # No family seen by another rep: the original rep owns it, whoever closes.
    assert rotation.owner_for_deal(single, sales.reps[0].id) == sales.reps[2].id


def test_sal09_change_of_rep_goes_to_the_site_manager(sales):
    customer = register(sales, phone="1").customer
    request = rotation.request_rep_change(
        sales.company, customer, sales.reps[2].id, "prefers rep-c", sales.world.rep_a
    )
    assert request.current_step["roles"] == ["site_manager"]
    with pytest.raises(approvals.ApprovalRefused):
        approvals.approve(request, sales.reps[1])  # a rep is not the site manager
    approvals.approve(request, sales.world.admin_a)
    db.session.refresh(customer)
    assert customer.rep_id == sales.reps[2].id


def test_sal10_stand_in_split_default_40_60(sales):
    a, b = sales.reps[0].id, sales.reps[1].id
    split = rotation.commission_split(b, a, "travel", company=sales.company)
    assert split == {b: Decimal("0.40"), a: Decimal("0.60")}
    assert rotation.commission_split(b, a, AwayReason.leave, company=sales.company)[b] == Decimal(
        "0.40"
    )


def test_sal10_stand_in_gets_nothing_unless_original_agreed(sales):
    a, b = sales.reps[0].id, sales.reps[1].id
    assert rotation.commission_split(b, a, None, company=sales.company) == {
        b: Decimal("0.00"),
        a: Decimal("1.00"),
    }
    assert rotation.commission_split(b, a, "agreed", company=sales.company)[b] == Decimal("0.40")
    assert rotation.commission_split(a, a, None, company=sales.company) == {a: Decimal("1.00")}


def test_sal10_stand_in_split_changed_setting(sales):
    settings(sales.company, stand_in_share="0.30")
    a, b = sales.reps[0].id, sales.reps[1].id
    split = rotation.commission_split(b, a, "leave", company=sales.company)
    assert split == {b: Decimal("0.30"), a: Decimal("0.70")}


def _customers_of(rep_id):
    return db.session.scalars(select(Customer).where(Customer.rep_id == rep_id)).all()


def test_sal11_rep_leaves_customers_balanced_with_contact_task_default_3_days(sales):
    leaving = sales.reps[0]
    for i in range(6):
        register(sales, phone=f"1{i}")  # two each
    for c in _customers_of(sales.reps[1].id)[:1]:
        c.rep_id = leaving.id  # rep_b now has 1, rep_c 2, leaving 3
    db.session.commit()
    given = rotation.reassign_on_leave(sales.company, leaving.id, DAY)
    db.session.commit()
    assert given == {sales.reps[1].id: 2, sales.reps[2].id: 1}
    assert not _customers_of(leaving.id)
    assert len(_customers_of(sales.reps[1].id)) == len(_customers_of(sales.reps[2].id)) == 3
    tasks = db.session.scalars(select(Task).where(Task.kind == TaskKind.contact_reassigned)).all()
    assert len(tasks) == 3 and {t.due_on for t in tasks} == {DAY + 3 * D}


def test_sal11_contact_days_setting_and_not_done_is_overdue(sales):
    from core.duties import Period
    from core.tenancy import company_scope
    from plugins.sales.leads import overdue

    settings(sales.company, reassigned_contact_days=1)
    customer = register(sales, kind="call", phone="1").customer
    customer.follow_up_due_on = DAY + 30 * D
    db.session.commit()
    rotation.reassign_on_leave(sales.company, sales.reps[0].id, DAY)
    db.session.commit()
    task = db.session.scalar(select(Task).where(Task.customer_id == customer.id))
    assert task.due_on == DAY + D
    with company_scope(sales.company.id):
        overdue.produce_overdue_list(sales.company, Period("x", DAY + 2 * D))
        lines = overdue.overdue_list(DAY + 2 * D, rep_id=customer.rep_id)
    assert [(e.customer_id, e.task_id) for e in lines] == [(customer.id, task.id)]


def test_sal11_reassignment_only_to_sales_reps_of_the_company(sales):
    other = create_user("cs@example.com", PASSWORD)
    add_member(other, sales.company, ["cs_rep"])
    register(sales, phone="1")
    given = rotation.reassign_on_leave(sales.company, sales.reps[0].id, DAY)
    assert other.id not in given
