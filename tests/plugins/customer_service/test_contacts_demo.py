"""The demo data of the contacts and greetings areas: a work log with a referred matter and a
coordination request, a planned visit round, birthdays this week; a second run changes
nothing."""

from sqlalchemy import func, select

from core.duties import today
from core.extensions import db
from core.tenancy import company_scope
from plugins.customer_service import contacts, greetings
from plugins.customer_service.contacts.models import (
    CoordinationRequest,
    Escalation,
    LogEntry,
    LogSignOff,
    VisitRound,
)
from plugins.customer_service.greetings import services
from plugins.customer_service.greetings.models import CustomerEvent, Newsletter
from tests.plugins.customer_service.cs_setup import make_sale


def count(w, model) -> int:
    with company_scope(w.a.id):
        return db.session.scalar(select(func.count(model.id)))


def test_contacts_and_greetings_demo_is_idempotent(cs):
    for n in range(1, 5):
        make_sale(cs, n)
    for _ in range(2):
        assert contacts.demo(cs.a) == {"log_entries": 4}
        assert greetings.demo(cs.a) == {"people": 9}  # three customers, each with spouse and child
    assert count(cs, Escalation) == 1 and count(cs, CoordinationRequest) == 1
    assert count(cs, LogSignOff) >= 1
    with company_scope(cs.a.id):
        [planned] = db.session.scalars(select(VisitRound)).all()
        assert len(planned.visits) == 4 and planned.planned_on > today()
        monday = today().toordinal() - today().weekday()
        this_week = services.birthdays_in_week(today().fromordinal(monday))
        assert len(this_week) == 6  # each customer and spouse
    assert count(cs, Newsletter) == 1 and count(cs, CustomerEvent) == 1
    assert count(cs, LogEntry) == 4
