"""Reception register, customer codes and the information file (SAL-01, SAL-06)."""

from datetime import datetime

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select

from core.extensions import db
from plugins.sales.leads.codes import initials
from plugins.sales.leads.models import Reception, ReceptionKind
from plugins.sales.models.customers import Customer, CustomerCodeSequence
from tests.plugins.sales.leads_setup import DAY, register, sales_fixture  # noqa: F401


def test_sal01_hotline_call_logged_same_day_with_questions_source_and_appointment(sales):
    entry = register(
        sales,
        kind="call",
        questions="价格? 户型?",
        source="newspaper",
        appointment_at=datetime(2026, 11, 27, 15),
    )
    assert entry.kind == ReceptionKind.call and entry.on == DAY
    assert entry.questions == "价格? 户型?" and entry.source == "newspaper"
    assert entry.appointment_at.isoformat() == "2026-11-27T15:00:00"
    # The call belongs to the rep who answered it.
    assert entry.customer.rep_id == sales.world.rep_a.id


def test_sal01_anonymous_caller_is_logged_and_marked_without_customer(sales):
    entry = register(sales, kind="call", name="", phone="", anonymous=True)
    assert entry.anonymous and entry.customer_id is None
    assert db.session.scalar(select(func.count(Reception.id))) == 1
    assert db.session.scalar(select(func.count(Customer.id))) == 0


def test_sal01_caller_without_name_and_not_anonymous_is_refused(sales):
    with pytest.raises(ValidationError) as refused:
        register(sales, kind="call", name=" ")
    assert "caller_name" in refused.value.messages


def test_sal06_code_region_initials_sequence(sales):
    assert register(sales, name="张三", phone="1").customer.code == "LY-ZS001"
    assert register(sales, name="赵四", phone="2").customer.code == "LY-ZS002"
    assert register(sales, name="李四", phone="3").customer.code == "LY-LS001"


def test_sal06_code_uses_the_sites_region(sales):
    from core.services.companies import create_project

    other = create_project(sales.company, {"name": "Xi Park", "type": "villa", "region_code": "XA"})
    entry = register(sales, kind="call", name="张三", project_id=other.id)
    assert entry.customer.code == "XA-ZS001"


@pytest.mark.parametrize(
    "name, letters",
    [
        ("张三", "ZS"),
        ("张三丰", "ZS"),  # 3+ characters: the first two syllables
        ("欧阳娜娜", "OY"),
        ("张", "ZH"),  # one character: the first two letters of its pinyin
        ("鄂", "EX"),  # one letter: padded with X
        ("John Smith", "JS"),  # other scripts: first letters of the first two words
        ("Madonna", "MA"),
        ("José María", "JM"),
        ("123", "XX"),
    ],
)
def test_sal06_initials_rule(name, letters):
    assert initials(name) == letters


def test_sal06_code_sequence_per_region_and_initials_never_reused(sales):
    first = register(sales, name="张三", phone="1").customer
    assert first.code == "LY-ZS001"
    db.session.execute(Reception.__table__.update().values(customer_id=None))
    db.session.delete(first)
    db.session.commit()
    assert register(sales, name="张山", phone="2").customer.code == "LY-ZS002"
    row = db.session.scalar(
        select(CustomerCodeSequence).where(CustomerCodeSequence.initials == "ZS")
    )
    assert row.last_number == 2


def test_sal06_returning_visitor_is_recognised_by_phone(sales):
    first = register(sales, kind="call", phone="139").customer
    again = register(sales, kind="walk_in", phone="139").customer
    assert again.id == first.id and again.visit_count == 1 and again.first_visit_on == DAY
    register(sales, kind="walk_in", phone="139")
    assert first.visit_count == 2
    assert db.session.scalar(select(func.count(Customer.id))) == 1


def test_sal06_information_file_and_days_to_outcome(sales):
    from datetime import date

    from plugins.sales.leads.services import update_customer

    customer = register(sales).customer
    update_customer(
        sales.company,
        customer,
        {
            "family": "married, 1 child",
            "occupation": "teacher",
            "income_band": "middle",
            "housing": "renting",
            "purpose": "own_use",
            "homes_bought": 1,
            "objections": ["unit_price", "floor", "unit_price"],
            "outcome": "deposit",
            "outcome_on": date(2026, 12, 4),
        },
    )
    db.session.commit()
    assert customer.objections == ["floor", "unit_price"]
    assert customer.days_to_outcome == 10
    assert customer.follow_up_due_on is None  # a deposit ends the follow-ups


def test_sal06_concurrent_registrations_never_share_a_code(sales, backend):
    import threading

    from flask import current_app

    from core.tenancy import company_scope
    from plugins.sales.leads.codes import next_code

    if backend != "postgresql":
        pytest.skip("row locking is a PostgreSQL matter; SQLite serialises writers")
    app, company_id, codes, errors = current_app._get_current_object(), sales.company.id, [], []
    barrier = threading.Barrier(10)

    def take():
        with app.app_context(), company_scope(company_id):
            try:
                barrier.wait()
                codes.append(next_code(company_id, "LY", "张三"))
                db.session.commit()
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=take) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(codes) == [f"LY-ZS{n:03d}" for n in range(1, 11)]
