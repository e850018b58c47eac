"""CS-15 visits: every household every 2 months in week 3 of the month, the customer called 1–2
days before, at least 2 customers a round, the record filed and its issues passed on."""

from datetime import date, timedelta

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from core.documents.service import get_document
from core.extensions import db
from core.tenancy import company_scope
from plugins.customer_service.contacts import escalations, visits
from plugins.customer_service.contacts.models import (
    ContactKind,
    CoordinationRequest,
    Escalation,
    LogEntry,
    RoundStatus,
    Visit,
    VisitRound,
    VisitStatus,
)
from plugins.customer_service.models import Household
from tests.plugins.customer_service.cs_setup import make_sale
from tests.plugins.customer_service.test_contacts_log import WEDNESDAY, configure, run_duties

# The planning duty's day: the Monday of week 3 (16 November 2026; Mondays 2, 9, 16).
PLANNING = date(2026, 11, 16)
PREFIX = "customer_service.visit"


def households(w, *numbers, rep=None) -> list[int]:
    for n in numbers:
        make_sale(w, n, rep=rep)
    with company_scope(w.a.id):
        rep_id = (rep or w.cs_rep).id
        return list(
            db.session.scalars(
                select(Household.id).where(Household.rep_id == rep_id).order_by(Household.id)
            )
        )


def rounds(w) -> list[VisitRound]:
    with company_scope(w.a.id):
        return db.session.scalars(select(VisitRound).order_by(VisitRound.id)).all()


def test_cs15_duty_plans_a_round_per_rep_in_week_3_with_call_dates(cs, monkeypatch):
    households(cs, 1, 2, 3)
    households(cs, 4, 5, rep=cs.cs_rep2)
    households(cs, 6, rep=cs.cs_manager)  # a single due household makes no round
    assert run_duties(monkeypatch, cs.a, PLANNING - timedelta(days=7), PREFIX) == []
    [run] = run_duties(monkeypatch, cs.a, PLANNING, PREFIX)
    assert run["period"] == "2026-M11-W3" and run["outcome"]["rounds"] == 2
    assert run["outcome"]["too_few"] == {str(cs.cs_manager.id): 1}
    planned = rounds(cs)
    with company_scope(cs.a.id):
        assert [(r.rep_id, r.planned_on, len(r.visits)) for r in planned] == [
            (cs.cs_rep.id, WEDNESDAY, 3),
            (cs.cs_rep2.id, WEDNESDAY, 2),
        ]
        visit = planned[0].visits[0]
        assert (visit.call_from, visit.call_by) == (date(2026, 11, 16), date(2026, 11, 17))
        calls = db.session.scalars(visits.calls_due(date(2026, 11, 16), cs.cs_rep.id)).all()
        assert len(calls) == 3
        assert db.session.scalars(visits.calls_due(date(2026, 11, 15))).all() == []


def test_cs15_interval_week_and_call_settings(cs, monkeypatch):
    configure(cs, visit_interval_months=3, visit_week=2, visit_weekday=4, visit_call_days_max=3)
    households(cs, 1, 2)
    assert run_duties(monkeypatch, cs.a, PLANNING, PREFIX) == []  # not in week 3 any more
    # Every 3 months from January: October's week 2 starts on Monday 12 October.
    [run] = run_duties(monkeypatch, cs.a, date(2026, 10, 12), PREFIX)
    assert run["period"] == "2026-M10-W2"
    [planned] = rounds(cs)
    with company_scope(cs.a.id):
        assert planned.planned_on == date(2026, 10, 16)  # Friday
        assert planned.visits[0].call_from == date(2026, 10, 13)
        assert planned.visits[0].call_by == date(2026, 10, 15)


def test_cs15_settings_keep_the_calls_in_the_visit_week(cs):
    with pytest.raises(ValidationError, match="visit_weekday"):
        configure(cs, visit_weekday=0)  # Monday: the 1–2 days before fall in the week before


def test_cs15_round_needs_at_least_2_customers_setting_changes_it(cs):
    ids = households(cs, 1, 2, 3)
    with company_scope(cs.a.id):
        with pytest.raises(ValidationError, match="at least 2"):
            visits.plan_round(cs.a, cs.cs_rep.id, WEDNESDAY, ids[:1])
        with pytest.raises(ValidationError, match="week 3"):
            visits.plan_round(cs.a, cs.cs_rep.id, WEDNESDAY + timedelta(days=7), ids)
        with pytest.raises(ValidationError, match="own households"):
            visits.plan_round(cs.a, cs.cs_rep2.id, WEDNESDAY, ids)
    configure(cs, visit_min_per_round=3)
    with company_scope(cs.a.id):
        with pytest.raises(ValidationError, match="at least 3"):
            visits.plan_round(cs.a, cs.cs_rep.id, WEDNESDAY, ids[:2])
        visits.plan_round(cs.a, cs.cs_rep.id, WEDNESDAY, ids)
        db.session.commit()
        with pytest.raises(ValidationError, match="planned round"):
            visits.plan_round(cs.a, cs.cs_rep.id, WEDNESDAY, ids)


def test_cs15_due_households_last_visit_2_months_ago_or_never(cs):
    ids = households(cs, 1, 2, 3)
    with company_scope(cs.a.id):
        round_ = visits.plan_round(cs.a, cs.cs_rep.id, date(2026, 9, 23), ids)
        for visit in round_.visits[:2]:
            visits.file_visit(cs.a, visit, cs.cs_rep, {"record": "入户走访，无问题"})
        visits.file_visit(cs.a, round_.visits[2], cs.cs_rep, {"record": "无人", "visited": False})
        db.session.commit()
        assert round_.status == RoundStatus.done
        due = lambda on: [h.id for h in visits.due_households(cs.a, on)]  # noqa: E731
        assert due(date(2026, 11, 22)) == [ids[2]]  # the missed one only
        assert due(date(2026, 11, 23)) == ids  # visited on 23 September: 2 months ago
    configure(cs, visit_interval_months=3)
    with company_scope(cs.a.id):
        assert due(date(2026, 11, 23)) == [ids[2]]


def test_cs15_call_and_visit_record_go_in_the_work_log_issues_passed_on(cs):
    ids = households(cs, 1, 2)
    with company_scope(cs.a.id):
        round_ = visits.plan_round(cs.a, cs.cs_rep.id, WEDNESDAY, ids)
        first, second = round_.visits
        visits.record_call(cs.a, first, cs.cs_rep, "约定周三上午", on=date(2026, 11, 17))
        with pytest.raises(ValidationError, match="round's rep"):
            visits.record_call(cs.a, second, cs.cs_rep2)
        visits.file_visit(
            cs.a,
            first,
            cs.cs_rep,
            {
                "record": "客户反映阳台门关不严，另询问车位租赁",
                "issues": [
                    {
                        "subject": "阳台门维修",
                        "department": "engineering",
                        "due_on": date(2030, 1, 10),
                    },
                    {"subject": "车位租金减免"},
                ],
                "document": ("走访记录.txt", "走访记录：阳台门".encode()),
            },
        )
        db.session.commit()
        kinds = [e.kind for e in db.session.scalars(select(LogEntry).order_by(LogEntry.id))]
        assert kinds == [ContactKind.call, ContactKind.visit]
        assert first.status == VisitStatus.visited and first.visited_on == WEDNESDAY
        assert not first.entry.within_authority
        [coordination] = db.session.scalars(select(CoordinationRequest)).all()
        assert (coordination.department, coordination.entry_id) == ("engineering", first.entry_id)
        [escalation] = db.session.scalars(select(Escalation)).all()
        assert escalation.subject == "车位租金减免" and escalation.entry_id == first.entry_id
        # followed up: both stay on the open lists until done
        assert db.session.scalars(escalations.open_escalations()).all() == [escalation]
        assert db.session.scalars(escalations.open_coordination()).all() == [coordination]
        document = get_document(first.document_id)
        assert (document.owner_type, document.owner_id) == ("sales_customer", first.customer_id)
        assert round_.status == RoundStatus.planned  # the second visit is still to file
        with pytest.raises(ValidationError, match="filed already"):
            visits.file_visit(cs.a, first, cs.cs_rep, {"record": "again"})
        with pytest.raises(ValidationError, match="no issues"):
            visits.file_visit(
                cs.a, second, cs.cs_rep, {"record": "x", "visited": False, "issues": [{}]}
            )
        assert db.session.get(Visit, second.id).status == VisitStatus.planned
