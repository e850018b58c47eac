"""CS-16 greetings: birthday cards every Tuesday for the week's birthdays, holiday cards on
computed lunar dates, the newsletter on the 15th, the half-yearly forum, each once per
period."""

from datetime import date

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from core.calendar.lunar import greeting_days
from core.documents.service import get_document
from core.duties import Period
from core.extensions import db
from core.models.letters import Letter
from core.tenancy import company_scope
from plugins.customer_service.greetings import services
from plugins.customer_service.greetings.letters import BIRTHDAY, HOLIDAY
from plugins.customer_service.greetings.models import CustomerEvent, Person
from plugins.customer_service.greetings.periodic import HolidayCards, birthday_cards
from plugins.customer_service.models import ContractStatus
from tests.plugins.customer_service.cs_setup import make_customer, make_sale
from tests.plugins.customer_service.test_contacts_log import configure, run_duties

TUESDAY = date(2026, 11, 24)  # of 2026-W48: Monday 23 – Sunday 29 November


def person(w, customer_id, name, relation, birthday) -> Person:
    with company_scope(w.a.id):
        data = {"customer_id": customer_id, "name": name, "relation": relation}
        found = services.save_person(w.a, {**data, "birthday": birthday})
        db.session.commit()
    return found


def letters(w, kind=None) -> list[Letter]:
    with company_scope(w.a.id):
        query = select(Letter).order_by(Letter.id)
        if kind:
            query = query.where(Letter.kind == kind)
        return db.session.scalars(query).all()


@pytest.fixture
def family(cs):
    """Customer 1 (with a contract), born 26 Nov; spouse 23 Nov; child 1 Dec (next week);
    a prospect without a contract born 25 Nov (no card)."""
    contract = make_sale(cs, 1)
    person(cs, contract.customer_id, "张伟1", "self", date(1980, 11, 26))
    person(cs, contract.customer_id, "李娜", "spouse", date(1982, 11, 23))
    person(cs, contract.customer_id, "张小明", "child", date(2012, 12, 1))
    prospect = make_customer(cs, 9)
    person(cs, prospect.id, "王芳", "self", date(1990, 11, 25))
    return contract


def test_cs16_birthday_cards_on_tuesday_for_the_weeks_birthdays_once(cs, family, monkeypatch):
    [run] = run_duties(monkeypatch, cs.a, TUESDAY, "customer_service.birthday")
    assert (run["period"], run["outcome"]) == ("2026-W48", {"week": "2026-W48", "cards": 2})
    cards = letters(cs, BIRTHDAY)
    assert sorted(c.addressee for c in cards) == ["张伟1", "李娜"]
    assert {c.step for c in cards} == {"2026-W48"}
    assert cards[0].addresses == ["河南省洛阳市洛龙区开元大道218号"]  # the contract's
    with company_scope(cs.a.id):
        archived = get_document(cards[0].document_id)
        assert (archived.owner_type, archived.owner_id) == ("sales_customer", family.customer_id)
    # Run twice, and the duty function itself again: still one card each.
    assert run_duties(monkeypatch, cs.a, TUESDAY, "customer_service.birthday") == []
    with company_scope(cs.a.id):
        birthday_cards(cs.a, Period("2026-W48", TUESDAY))
    assert len(letters(cs, BIRTHDAY)) == 2


def test_cs16_greeting_weekday_setting(cs, family, monkeypatch):
    configure(cs, greeting_weekday=3)  # Thursday
    assert run_duties(monkeypatch, cs.a, TUESDAY, "customer_service.birthday") == []
    [run] = run_duties(monkeypatch, cs.a, date(2026, 11, 26), "customer_service.birthday")
    assert run["outcome"]["cards"] == 2


def test_cs16_birthday_on_29_february_celebrated_on_the_28th(cs):
    contract = make_sale(cs, 1)
    person(cs, contract.customer_id, "赵敏", "parent", date(1960, 2, 29))
    with company_scope(cs.a.id):
        assert [p.name for p in services.birthdays_in_week(date(2027, 2, 22))] == ["赵敏"]
        assert services.birthdays_in_week(date(2028, 2, 21)) == []  # 2028 has the 29th
        assert [p.name for p in services.birthdays_in_week(date(2028, 2, 28))] == ["赵敏"]


def test_cs16_family_member_rules(cs):
    contract = make_sale(cs, 1)
    person(cs, contract.customer_id, "张伟1", "self", None)
    with company_scope(cs.a.id):
        data = {"customer_id": contract.customer_id, "name": "张伟", "relation": "self"}
        with pytest.raises(ValidationError, match="relation"):
            services.save_person(cs.a, data)
        with pytest.raises(ValidationError, match="birthday"):
            services.save_person(cs.a, {**data, "relation": "child", "birthday": date(2099, 1, 1)})


def test_cs16_lunar_holidays_computed_for_2026_and_2027():
    assert greeting_days(2026) == {
        "new_year": date(2026, 1, 1),
        "spring_festival": date(2026, 2, 17),
        "mid_autumn": date(2026, 9, 25),
        "national_day": date(2026, 10, 1),
        "christmas": date(2026, 12, 25),
    }
    assert greeting_days(2027)["spring_festival"] == date(2027, 2, 6)
    assert greeting_days(2027)["mid_autumn"] == date(2027, 9, 15)
    year = (date(2027, 1, 1), date(2027, 12, 31))
    assert HolidayCards("spring_festival", 7).due_dates(*year) == [
        ("2027-spring_festival", date(2027, 1, 30))
    ]
    # New Year's Day cards go out the year before.
    assert HolidayCards("new_year", 7).due_dates(date(2026, 12, 1), date(2026, 12, 31)) == [
        ("2027-new_year", date(2026, 12, 25))
    ]


def test_cs16_holiday_cards_to_every_customer_with_a_contract_once(cs, family, monkeypatch):
    cancelled = make_sale(cs, 2)
    with company_scope(cs.a.id):
        cancelled.status = ContractStatus.cancelled
        db.session.commit()
    prefix = "customer_service.holiday_cards"
    [run] = run_duties(monkeypatch, cs.a, date(2026, 12, 18), prefix)  # a week before Christmas
    assert (run["period"], run["outcome"]["cards"]) == ("2026-christmas", 1)
    assert run_duties(monkeypatch, cs.a, date(2026, 12, 18), prefix) == []
    [card] = letters(cs, HOLIDAY)
    assert (card.title, card.step, card.owner_id) == (
        "圣诞贺卡",
        "2026-christmas",
        family.customer_id,
    )


def test_cs16_holiday_lead_days_setting(cs, family, monkeypatch):
    configure(cs, greeting_holiday_days_before=0)
    prefix = "customer_service.holiday_cards"
    assert run_duties(monkeypatch, cs.a, date(2027, 1, 30), prefix) == []  # the default day
    [run] = run_duties(monkeypatch, cs.a, date(2027, 2, 6), prefix)  # Spring Festival itself
    assert run["period"] == "2027-spring_festival"
    assert [c.title for c in letters(cs, HOLIDAY)] == ["春节贺卡"]


def test_cs16_forum_planned_every_half_year_until_held(cs, family, monkeypatch):
    [run] = run_duties(monkeypatch, cs.a, date(2027, 1, 1), "customer_service.forum")
    assert (run["period"], run["outcome"]) == ("2027-H1", {"planned": 1})
    with company_scope(cs.a.id):
        [event] = db.session.scalars(select(CustomerEvent)).all()
        assert event.due_by == date(2027, 6, 30) and event.project_id == cs.project_a.id
        assert db.session.scalars(services.events_overdue(date(2027, 7, 1))).all() == [event]
        with pytest.raises(ValidationError, match="held_on"):
            services.hold_event(event, {"held_on": date(2099, 1, 1)})
        services.hold_event(event, {"held_on": date(2026, 11, 20), "attendees": 35})
        db.session.commit()
        assert db.session.scalars(services.events_overdue(date(2027, 7, 1))).all() == []
