"""CS-14 reception log: contacts logged, settled on the spot or referred to the CS manager who
answers within 48 hours or escalates (VP, GM); coordination requests with due dates; the
manager's weekly sign-off; deletion only with the VP's signature. Also the helpers the other
contacts and greetings tests share."""

from datetime import date, timedelta

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from core import approvals
from core.duties import run_due, service, today
from core.extensions import db
from core.jobs.runner import now
from core.permissions import PermissionDenied
from core.plugins import state
from core.tenancy import company_scope
from plugins.customer_service.contacts import escalations, services
from plugins.customer_service.contacts.models import (
    ContactOutcome,
    Escalation,
    EscalationLevel,
    LogEntry,
    LogSignOff,
    SignOffStatus,
)
from tests.plugins.customer_service.cs_setup import make_sale

# A finished week (Monday 16 – Sunday 22 November 2026), also week 3 of the month.
MONDAY = date(2026, 11, 16)
WEDNESDAY = date(2026, 11, 18)


def run_duties(monkeypatch, company, until: date, prefix: str) -> list[dict]:
    """``run_due`` limited to the duties whose key starts with ``prefix`` (the other areas'
    duties of that day are not these tests' business)."""
    every = service.duties_of
    monkeypatch.setattr(
        service, "duties_of", lambda c: [d for d in every(c) if d.key.startswith(prefix)]
    )
    return run_due(company, until)["runs"]


def log(w, customer_id, summary="问询交房时间", rep=None, **extra) -> LogEntry:
    data = {"customer_id": customer_id, "kind": "call", "summary": summary, **extra}
    with company_scope(w.a.id):
        entry = services.record_contact(w.a, rep or w.cs_rep, data)
        db.session.commit()
    return entry


def configure(w, **settings) -> None:
    state.update_settings(w.a, "customer_service", settings)
    db.session.commit()


@pytest.fixture
def sale(cs):
    return make_sale(cs, 1)


# --- settled on the spot or referred -------------------------------------------------------


def test_cs14_contact_within_authority_is_settled_on_the_spot(cs, sale):
    entry = log(cs, sale.customer_id, on=WEDNESDAY)
    with company_scope(cs.a.id):
        assert entry.outcome == ContactOutcome.settled and entry.week == "2026-W47"
        assert entry.household is not None  # the customer's only household
        assert db.session.scalars(select(Escalation)).all() == []


def test_cs14_contact_outside_authority_goes_to_the_cs_manager_within_48_hours(cs, sale):
    entry = log(cs, sale.customer_id, "要求减免物业费", within_authority=False)
    with company_scope(cs.a.id):
        [escalation] = entry.escalations
        assert entry.outcome == ContactOutcome.referred
        assert escalation.level == EscalationLevel.cs_manager
        assert escalation.due_at - escalation.raised_at == timedelta(hours=48)
        overdue = lambda at: db.session.scalars(  # noqa: E731
            escalations.open_escalations(at, overdue_only=True)
        ).all()
        assert overdue(now() + timedelta(hours=47)) == []
        assert overdue(now() + timedelta(hours=49)) == [escalation]
        escalations.answer(cs.a, escalation, cs.cs_manager, "已答复：按合同约定办理")
        db.session.commit()
        assert overdue(now() + timedelta(hours=49)) == []


def test_cs14_escalation_hours_setting(cs, sale):
    configure(cs, log_escalation_hours=24)
    entry = log(cs, sale.customer_id, "要求赔偿", within_authority=False)
    with company_scope(cs.a.id):
        [escalation] = entry.escalations
        assert escalation.due_at - escalation.raised_at == timedelta(hours=24)


def test_cs14_manager_escalates_to_vp_then_gm(cs, sale):
    entry = log(cs, sale.customer_id, "要求退房", within_authority=False)
    with company_scope(cs.a.id):
        escalation = entry.escalations[0]
        with pytest.raises(PermissionDenied):  # a rep does not answer referred matters
            escalations.answer(cs.a, escalation, cs.cs_rep, "x")
        with pytest.raises(ValidationError, match="reason"):
            escalations.escalate(cs.a, escalation, cs.cs_manager, "")
        escalations.escalate(cs.a, escalation, cs.cs_manager, "涉及退款，超出权限")
        assert escalation.level == EscalationLevel.vp
        with pytest.raises(ValidationError, match="level"):  # no longer the manager's
            escalations.answer(cs.a, escalation, cs.cs_manager, "x")
        escalations.escalate(cs.a, escalation, cs.vp, "需总经理决定")
        assert escalation.level == EscalationLevel.gm
        with pytest.raises(ValidationError, match="last level"):
            escalations.escalate(cs.a, escalation, cs.gm, "x")
        escalations.answer(cs.a, escalation, cs.gm, "同意按政策退房")
        db.session.commit()
        assert escalation.answered_by_id == cs.gm.id and escalation.history.count("\n") == 1


# --- coordination requests --------------------------------------------------------------------


def test_cs14_coordination_request_has_a_due_date_overdue_list_and_done(cs, sale):
    entry = log(cs, sale.customer_id, "卫生间渗水")
    day = today()
    with company_scope(cs.a.id):
        with pytest.raises(ValidationError, match="department"):
            escalations.request_coordination(cs.a, cs.cs_rep, {"department": "nobody"})
        with pytest.raises(ValidationError, match="due_on"):
            escalations.request_coordination(
                cs.a, cs.cs_rep, {"department": "engineering", "subject": "x"}
            )
        request = escalations.request_coordination(
            cs.a,
            cs.cs_rep,
            {
                "department": "engineering",
                "subject": "请工程部查看渗水",
                "due_on": day + timedelta(days=2),
                "entry_id": entry.id,
            },
        )
        db.session.commit()
        assert request.customer_id == sale.customer_id
        overdue = lambda on: db.session.scalars(  # noqa: E731
            escalations.open_coordination(on, overdue_only=True)
        ).all()
        assert overdue(day + timedelta(days=2)) == []
        assert overdue(day + timedelta(days=3)) == [request]
        with pytest.raises(PermissionDenied):  # neither engineering nor customer service
            escalations.complete_coordination(cs.a, request, cs.finance, "")
        escalations.complete_coordination(cs.a, request, cs.cs_rep, "工程部已维修")
        db.session.commit()
        assert overdue(day + timedelta(days=3)) == [] and request.done_by_id == cs.cs_rep.id


# --- the weekly sign-off ----------------------------------------------------------------------


def test_cs14_weekly_signoff_listed_by_duty_signed_by_manager_not_by_rep(cs, sale, monkeypatch):
    log(cs, sale.customer_id, on=WEDNESDAY)
    log(cs, sale.customer_id, "客户来电问按揭进度", on=MONDAY)
    runs = run_duties(monkeypatch, cs.a, MONDAY + timedelta(days=7), "customer_service.log_")
    assert [(r["period"], r["outcome"]["week"]) for r in runs] == [("2026-W48", "2026-W47")]
    with company_scope(cs.a.id):
        [pending] = db.session.scalars(select(LogSignOff)).all()
        assert (pending.rep_id, pending.entries, pending.status) == (
            cs.cs_rep.id,
            2,
            SignOffStatus.pending,
        )
        with pytest.raises(PermissionDenied):
            services.sign_week(cs.a, cs.cs_rep.id, "2026-W47", cs.cs_rep)
        with pytest.raises(ValidationError, match="own"):  # a manager's own log
            services.sign_week(cs.a, cs.cs_manager.id, "2026-W47", cs.cs_manager)
        services.sign_week(cs.a, cs.cs_rep.id, "2026-W47", cs.cs_manager, "已阅")
        db.session.commit()
        assert pending.status == SignOffStatus.signed and pending.signed_by_id == cs.cs_manager.id
        with pytest.raises(ValidationError, match="signed off"):
            services.record_contact(
                cs.a,
                cs.cs_rep,
                {"customer_id": sale.customer_id, "kind": "call", "summary": "补记", "on": MONDAY},
            )
        this_week = services.iso_week(today())
        with pytest.raises(ValidationError, match="not over"):
            services.sign_week(cs.a, cs.cs_rep.id, this_week, cs.cs_manager)


def test_cs14_signoff_weekday_setting(cs, sale, monkeypatch):
    configure(cs, log_signoff_weekday=4)  # Friday
    log(cs, sale.customer_id, on=WEDNESDAY)
    assert run_duties(monkeypatch, cs.a, MONDAY + timedelta(days=7), "customer_service.log_") == []
    runs = run_due(cs.a, date(2026, 11, 27))["runs"]
    assert [(r["period"], r["outcome"]["week"]) for r in runs] == [("2026-W48", "2026-W47")]


# --- no deletion without the VP's signature ------------------------------------------------


def test_cs14_log_entry_deleted_only_with_vp_approval_and_kept_marked(cs, sale):
    entry = log(cs, sale.customer_id)
    keep = log(cs, sale.customer_id, "第二条")
    with company_scope(cs.a.id):
        with pytest.raises(ValidationError, match="reason"):
            services.request_delete(cs.a, entry, " ", cs.cs_rep)
        request = services.request_delete(cs.a, entry, "记错客户", cs.cs_rep)
        assert not entry.deleted and request.status == approvals.RequestStatus.pending
        with pytest.raises(approvals.ApprovalRefused):  # the CS manager cannot sign it
            approvals.approve(request, cs.cs_manager)
        approvals.approve(request, cs.vp)
        db.session.expire_all()
        entry = db.session.get(LogEntry, entry.id)
        assert entry.deleted and entry.deleted_by_id == cs.vp.id  # still in the database
        assert db.session.scalars(services.log_query()).all() == [keep]
        assert len(db.session.scalars(services.log_query(include_deleted=True)).all()) == 2


def test_cs14_rejected_deletion_keeps_the_entry(cs, sale):
    entry = log(cs, sale.customer_id)
    with company_scope(cs.a.id):
        request = services.request_delete(cs.a, entry, "不需要", cs.cs_rep)
        approvals.reject(request, cs.vp, "工作日志须保留")
        db.session.expire_all()
        entry = db.session.get(LogEntry, entry.id)
        assert not entry.deleted and entry.delete_requested_at is None


def test_cs14_log_filters_by_rep_week_customer(cs, sale):
    other = make_sale(cs, 2, rep=cs.cs_rep2)
    log(cs, sale.customer_id, on=WEDNESDAY)
    log(cs, other.customer_id, rep=cs.cs_rep2, on=WEDNESDAY)
    log(cs, sale.customer_id)
    with company_scope(cs.a.id):
        found = lambda **kw: len(db.session.scalars(services.log_query(**kw)).all())  # noqa: E731
        assert found() == 3
        assert found(rep_id=cs.cs_rep.id) == 2
        assert found(week="2026-W47") == 2
        assert found(customer_id=other.customer_id, week="2026-W47") == 1
        with pytest.raises(ValidationError, match="week"):
            found(week="W47")
        with pytest.raises(ValidationError, match="ahead"):
            log(cs, sale.customer_id, on=today() + timedelta(days=1))
