"""Registration and follow-up due dates (SAL-01–07): the reception register, customers,
follow-ups and the tasks of SAL-04/11."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select, update

from core.extensions import db
from core.models import Company, Project
from core.plugins import state as plugin_state
from core.tenancy import company_scope
from plugins.sales.leads.codes import next_code
from plugins.sales.leads.models import (
    SETTLED_BY_FOLLOW_UP,
    FollowUp,
    Reception,
    ReceptionKind,
    Task,
    TaskKind,
)
from plugins.sales.leads.rotation import server_for_visit
from plugins.sales.models.customers import Customer, CustomerGrade, SourceChannel

CHINA = ZoneInfo("Asia/Shanghai")
DAY = timedelta(days=1)


def settings_of(company: Company) -> dict:
    values = plugin_state.get_settings(company, "sales")
    values["stand_in_share"] = Decimal(str(values["stand_in_share"]))
    return values


def china_time(at: datetime | None = None) -> datetime:
    """``at`` in China time; a naive ``at`` is taken as China time already."""
    if at is None:
        return datetime.now(CHINA)
    return at.replace(tzinfo=CHINA) if at.tzinfo is None else at.astimezone(CHINA)


def _local_naive(at: datetime | None) -> datetime | None:
    return None if at is None else china_time(at).replace(tzinfo=None)


# --- due dates (SAL-02, SAL-03, SAL-07) --------------------------------------------------


def call_due(settings: dict, day: date) -> tuple[date, date]:
    """(target, due) of a hotline call's follow-up: by phone within N days (SAL-02)."""
    due = day + timedelta(days=settings["call_follow_up_days"])
    return due, due


def walk_in_due(settings: dict, at: datetime) -> tuple[date, date]:
    """(target, due) of a walk-in's follow-up per the company's SAL-03 variant."""
    local = china_time(at)
    day = local.date()
    if settings["walk_in_follow_up"] == "cutoff":
        callback = day if local.hour < settings["walk_in_cutoff_hour"] else day + DAY
        return callback, callback
    return (
        day + timedelta(days=settings["walk_in_target_days"]),
        day + timedelta(days=settings["walk_in_limit_days"]),
    )


def graded_due(settings: dict, grade: CustomerGrade, day: date) -> date:
    """The next follow-up after one done on ``day``, by the customer's grade (SAL-07)."""
    return day + timedelta(days=settings[f"grade_{grade.value.lower()}_days"])


# --- registration (SAL-01, SAL-04, SAL-06, SAL-08/09) ------------------------------------


def _now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _returning(phone: str) -> Customer | None:
    if not phone:
        return None
    return db.session.scalar(select(Customer).where(Customer.phone == phone).limit(1))


def _new_customer(company: Company, project: Project, data: dict, owner_id) -> Customer:
    region = project.region_code or company.region_code
    referrer = data.get("referrer")
    customer = Customer(
        company_id=company.id,
        code=next_code(company.id, region, data["caller_name"]),
        name=data["caller_name"],
        phone=data.get("phone") or None,
        project_id=project.id,
        source=data["source"],
        # SAL-09: a referred customer belongs to the referrer's original rep.
        rep_id=referrer.rep_id if referrer is not None and referrer.rep_id else owner_id,
        referrer_id=referrer.id if referrer is not None else None,
        household_id=data.get("household_id"),
        created_at=_now_utc(),
        objections=[],
    )
    db.session.add(customer)
    return customer


def _lookup(model, ident, field):
    row = db.session.get(model, ident) if ident is not None else None
    if ident is not None and row is None:
        raise ValidationError({field: [_("Not found.")]})
    return row


def register(company: Company, data: dict, user=None) -> Reception:
    """Log a hotline call or a walk-in in the reception register. Every caller or visitor who
    gives a name becomes (or, by phone, is recognised as) a customer; one who declines
    contact details is logged and marked anonymous. Walk-ins are served by the rotation or
    their original rep (SAL-08/09); reps do not pick. Flushes; the caller commits."""
    with company_scope(company.id):
        settings = settings_of(company)
        kind = ReceptionKind(data["kind"])
        at = china_time(data.get("at"))
        day = at.date()
        project = _lookup(Project, data["project_id"], "project_id")
        data["referrer"] = _lookup(Customer, data.get("referrer_id"), "referrer_id")
        _lookup(Customer, data.get("household_id"), "household_id")
        anonymous = bool(data.get("anonymous"))
        if not anonymous and not (data.get("caller_name") or "").strip():
            raise ValidationError({"caller_name": [_("A name is required unless anonymous.")]})
        entry = Reception(
            company_id=company.id,
            project_id=project.id,
            kind=kind,
            at=at.astimezone(UTC).replace(tzinfo=None),
            on=day,
            caller_name=data.get("caller_name") or "",
            phone=data.get("phone") or "",
            questions=data.get("questions") or "",
            source=data.get("source") or SourceChannel.other,
            anonymous=anonymous,
            appointment_at=_local_naive(data.get("appointment_at")),
            wants_visit=bool(data.get("wants_visit")),
            recorded_by_id=user.id if user is not None else None,
        )
        db.session.add(entry)
        customer = None if anonymous else _returning(data.get("phone") or "")
        referrer = data["referrer"]
        owner_id = customer.rep_id if customer is not None else None
        if customer is None and referrer is not None:
            owner_id = referrer.rep_id
        if kind == ReceptionKind.walk_in:
            entry.rep_id, entry.stand_in = server_for_visit(company, project, owner_id, day)
        else:  # a call: the rep who answered it received the customer
            entry.rep_id = user.id if user is not None else None
        if not anonymous:
            if customer is None:
                customer = _new_customer(company, project, data, entry.rep_id)
            _received(settings, customer, entry, at)
        db.session.flush()
        return entry


def _received(settings: dict, customer: Customer, entry: Reception, at: datetime) -> None:
    entry.customer = customer
    if entry.kind == ReceptionKind.walk_in:
        customer.visit_count = (customer.visit_count or 0) + 1
        customer.first_visit_on = customer.first_visit_on or entry.on
        target, due = walk_in_due(settings, at)
    else:
        target, due = call_due(settings, entry.on)
    customer.follow_up_target_on, customer.follow_up_due_on = target, due
    # SAL-04: a reminder the day before an agreed visit; no time set → call again tomorrow.
    if entry.appointment_at is not None:
        _task(customer, TaskKind.appointment_reminder, entry.appointment_at.date() - DAY)
    elif entry.wants_visit:
        _task(customer, TaskKind.call_back, entry.on + DAY)


def _task(customer: Customer, kind: TaskKind, due: date, rep_id=None) -> Task:
    task = Task(
        company_id=customer.company_id,
        customer=customer,
        rep_id=rep_id or customer.rep_id,
        kind=kind,
        due_on=due,
    )
    db.session.add(task)
    return task


# --- follow-ups and grading (SAL-05, SAL-07) ---------------------------------------------


def record_follow_up(company: Company, customer: Customer, data: dict, user=None) -> FollowUp:
    """Record a follow-up done; it moves the next due date by the customer's grade (after
    any grade given with it) and settles the customer's open call-back and contact tasks."""
    with company_scope(company.id):
        settings = settings_of(company)
        day = data.get("on") or china_time().date()
        if data.get("grade"):
            customer.grade = CustomerGrade(data["grade"])
        objections = sorted({str(o) for o in data.get("objections") or []})
        follow_up = FollowUp(
            company_id=company.id,
            customer=customer,
            rep_id=user.id if user is not None else customer.rep_id,
            on=day,
            channel=data["channel"],
            content=data.get("content") or "",
            reaction=data.get("reaction") or "",
            objections=objections,
            created_at=_now_utc(),
        )
        db.session.add(follow_up)
        customer.objections = sorted(set(customer.objections or []) | set(objections))
        customer.last_follow_up_on = day
        customer.follow_up_target_on = customer.follow_up_due_on = graded_due(
            settings, customer.grade, day
        )
        db.session.execute(
            update(Task)
            .where(
                Task.customer_id == customer.id,
                Task.done_on.is_(None),
                Task.kind.in_(SETTLED_BY_FOLLOW_UP),
            )
            .values(done_on=day),
            execution_options={"synchronize_session": False},
        )
        db.session.flush()
        return follow_up


def set_grade(company: Company, customer: Customer, grade, day: date | None = None) -> None:
    """Grade a customer (SAL-07); the next follow-up is due one interval after the last one
    (or ``day``), never later than it already was."""
    with company_scope(company.id):
        customer.grade = CustomerGrade(grade)
        base = customer.last_follow_up_on or day or china_time().date()
        due = graded_due(settings_of(company), customer.grade, base)
        if customer.follow_up_due_on is None or due < customer.follow_up_due_on:
            customer.follow_up_target_on = customer.follow_up_due_on = due
        db.session.flush()


def complete_task(task: Task, day: date | None = None) -> None:
    task.done_on = day or china_time().date()
    db.session.flush()


def join_household(customer: Customer, member_id: int | None) -> None:
    """Put ``customer`` in the family of customer ``member_id`` (None: in no family), SAL-09.

    A household is named by its first member (the head): joining any member joins the head,
    and the customer's own members follow it, so a family stays one household."""
    if member_id is None:
        customer.household = None
        return
    member = db.session.get(Customer, member_id)  # scoped: another company's is not found
    if member is None:
        raise ValidationError({"household_id": [_("Not found.")]})
    head = member.household or member
    if head.id == customer.id:
        raise ValidationError({"household_id": [_("A customer is not their own family.")]})
    for relative in db.session.scalars(
        select(Customer).where(Customer.household_id == customer.id)
    ):
        relative.household = head
    customer.household = head


def update_customer(company: Company, customer: Customer, data: dict) -> Customer:
    """Change the customer information file (SAL-06). A grade goes through :func:`set_grade`;
    an outcome (deposit, gave up) dates it and ends the follow-ups; the household through
    :func:`join_household`."""
    with company_scope(company.id):
        data = dict(data)
        grade = data.pop("grade", None)
        if "household_id" in data:
            join_household(customer, data.pop("household_id"))
        if "objections" in data:
            data["objections"] = sorted({str(o) for o in data["objections"] or []})
        for key, value in data.items():
            setattr(customer, key, value)
        if data.get("outcome"):
            customer.outcome_on = customer.outcome_on or china_time().date()
            customer.follow_up_target_on = customer.follow_up_due_on = None
        if grade:
            set_grade(company, customer, grade)
        db.session.flush()
        return customer
