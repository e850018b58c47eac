"""The reps' work log (CS-14): every contact with a customer, what the rep settled on the spot
and what went to the CS manager; the weekly sign-off; deletion only with the VP's signature.

Escalations and coordination requests: :mod:`.escalations`; visit rounds: :mod:`.visits`.
Functions flush; the caller (a view, the API, a duty) commits.
"""

from datetime import date, timedelta

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import func, select

from core import approvals
from core.audit import actor
from core.duties import Period, today
from core.extensions import db
from core.jobs.runner import now
from core.models import Company, User
from core.permissions import PermissionDenied, permissions_of
from core.tenancy import company_scope
from plugins.customer_service.contacts import SIGN
from plugins.customer_service.contacts.models import (
    ContactKind,
    ContactOutcome,
    LogEntry,
    LogSignOff,
    SignOffStatus,
)
from plugins.customer_service.models import Household
from plugins.sales.models import Customer

DELETION = "customer_service.log_delete"
OWNER_TYPE = LogEntry.__tablename__


def iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(week: str) -> date:
    """The Monday of ISO week ``2026-W48``; a malformed week is a 422 on ``week``."""
    try:
        year, number = week.split("-W")
        return date.fromisocalendar(int(year), int(number), 1)
    except (ValueError, AttributeError):
        raise ValidationError({"week": [_("A week looks like 2026-W48.")]}) from None


def require(user: User, company: Company, permission: str) -> None:
    if permission not in permissions_of(user, company):
        raise PermissionDenied(permission)


def find_customer(customer_id: int) -> Customer:
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise ValidationError({"customer_id": [_("No such customer.")]})
    return customer


def _household(customer: Customer, household_id: int | None) -> Household | None:
    """The household the contact is about: the one given (it must be the customer's), or the
    customer's only one."""
    if household_id is not None:
        household = db.session.get(Household, household_id)
        if household is None or household.customer_id != customer.id:
            raise ValidationError({"household_id": [_("Not a household of this customer.")]})
        return household
    found = db.session.scalars(
        select(Household).where(Household.customer_id == customer.id).limit(2)
    ).all()
    return found[0] if len(found) == 1 else None


def signed(rep_id: int, week: str) -> bool:
    return (
        db.session.scalar(
            select(LogSignOff.id).where(
                LogSignOff.rep_id == rep_id,
                LogSignOff.week == week,
                LogSignOff.status == SignOffStatus.signed,
            )
        )
        is not None
    )


def add_entry(
    company: Company,
    rep: User,
    customer_id: int,
    kind: ContactKind,
    summary: str,
    *,
    on: date | None = None,
    within_authority: bool = True,
    household_id: int | None = None,
) -> LogEntry:
    """A line of ``rep``'s log (no escalation: see :func:`record_contact`)."""
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": [_("Say what the contact was about.")]})
    on = on or today()
    if on > today():
        raise ValidationError({"on": [_("A contact cannot be logged ahead of its day.")]})
    week = iso_week(on)
    if signed(rep.id, week):
        raise ValidationError(
            {"on": [_("The log of week %(week)s is signed off already.", week=week)]}
        )
    customer = find_customer(customer_id)
    household = _household(customer, household_id)
    entry = LogEntry(
        company_id=company.id,
        rep_id=rep.id,
        customer_id=customer.id,
        household_id=household.id if household else None,
        kind=ContactKind(kind),
        on=on,
        week=week,
        summary=summary,
        within_authority=within_authority,
        outcome=ContactOutcome.settled if within_authority else ContactOutcome.referred,
        created_at=now(),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def record_contact(company: Company, rep: User, data: dict) -> LogEntry:
    """CS-14: log a contact. Within the rep's authority it is settled on the spot; outside
    it, the entry is referred and an escalation goes to the CS manager."""
    from plugins.customer_service.contacts.escalations import raise_escalation

    within = bool(data.get("within_authority", True))
    entry = add_entry(
        company,
        rep,
        data["customer_id"],
        data["kind"],
        data.get("summary", ""),
        on=data.get("on"),
        within_authority=within,
        household_id=data.get("household_id"),
    )
    if not within:
        raise_escalation(company, entry, data.get("escalation_subject") or entry.summary)
    return entry


def log_query(
    rep_id: int | None = None,
    week: str | None = None,
    customer_id: int | None = None,
    include_deleted: bool = False,
):
    """The work log (current company), newest first, filtered by rep, ISO week, customer."""
    query = select(LogEntry).order_by(LogEntry.on.desc(), LogEntry.id.desc())
    if rep_id is not None:
        query = query.where(LogEntry.rep_id == rep_id)
    if week:
        week_start(week)  # refuse a malformed week rather than find nothing
        query = query.where(LogEntry.week == week)
    if customer_id is not None:
        query = query.where(LogEntry.customer_id == customer_id)
    if not include_deleted:
        query = query.where(LogEntry.deleted.is_(False))
    return query


# --- deletion only with the VP's signature ---------------------------------------------------


def request_delete(company: Company, entry: LogEntry, reason: str, user: User):
    """Ask for the deletion of a log entry; the VP decides through the approval engine and
    :func:`approval_decided` marks the entry deleted. Returns the request (the engine
    commits)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("A reason is required to delete a log entry.")]})
    if entry.deleted:
        raise ValidationError({"entry": [_("The entry is deleted already.")]})
    if entry.delete_requested_at is not None:
        raise ValidationError({"entry": [_("Its deletion is waiting for the VP already.")]})
    # Without a flow the engine would approve at once: refuse instead (fail closed).
    if approvals.current_flow(company, DELETION) is None:
        raise ValidationError({"entry": [_("No approval flow for deleting log entries.")]})
    entry.delete_requested_at = now()
    entry.delete_reason = reason
    data = {"customer": entry.customer.name, "on": entry.on, "reason": reason}
    return approvals.submit(company, DELETION, OWNER_TYPE, entry.id, data, user)


def approval_decided(request) -> None:
    """Approved: the entry is marked deleted and stays in the database; otherwise the request
    mark is cleared."""
    if request.doc_type != DELETION or request.owner_type != OWNER_TYPE:
        return
    with company_scope(request.company_id):
        entry = db.session.get(LogEntry, request.owner_id)
        if entry is None:
            return
        approver = request.decisions[-1].user_id if request.decisions else None
        if request.status == approvals.RequestStatus.approved:
            entry.deleted, entry.deleted_at, entry.deleted_by_id = True, now(), approver
        else:
            entry.delete_requested_at, entry.delete_reason = None, ""
        with actor(approver):  # the audit log names the VP, not whoever flushed
            db.session.flush()


def approval_flows(company) -> list[dict]:
    return [
        {
            "doc_type": DELETION,
            "name": "Deleting a work-log entry",
            "steps": [{"name": "VP", "roles": ["vp"]}],
        }
    ]


# --- the CS manager's weekly sign-off ------------------------------------------------------


def _count(rep_id: int, week: str) -> int:
    return db.session.scalar(
        select(func.count(LogEntry.id)).where(
            LogEntry.rep_id == rep_id, LogEntry.week == week, LogEntry.deleted.is_(False)
        )
    )


def sign_week(
    company: Company, rep_id: int, week: str, user: User, comment: str = ""
) -> LogSignOff:
    """The CS manager signs ``rep_id``'s log of ``week`` (a finished week); nobody signs
    their own log. Later entries dated in a signed week are refused."""
    require(user, company, SIGN)
    if user.id == rep_id:
        raise ValidationError({"rep_id": [_("Nobody signs their own log.")]})
    start = week_start(week)
    if start + timedelta(days=6) >= today():
        raise ValidationError({"week": [_("The week is not over yet.")]})
    signoff = db.session.scalar(
        select(LogSignOff).where(LogSignOff.rep_id == rep_id, LogSignOff.week == week)
    )
    if signoff is None:
        signoff = LogSignOff(company_id=company.id, rep_id=rep_id, week=week, week_start=start)
        db.session.add(signoff)
    elif signoff.status == SignOffStatus.signed:
        raise ValidationError({"week": [_("Already signed.")]})
    signoff.entries = _count(rep_id, week)
    signoff.status = SignOffStatus.signed
    signoff.signed_by_id, signoff.signed_at = user.id, now()
    signoff.comment = (comment or "").strip()
    db.session.flush()
    return signoff


def list_signoffs(company: Company, period: Period) -> dict:
    """The duty (on the sign-off weekday): a pending sign-off for each rep with entries in
    the last full week, for the CS manager's list."""
    week = iso_week(period.date - timedelta(days=7))
    reps = db.session.scalars(
        select(LogEntry.rep_id)
        .where(LogEntry.week == week, LogEntry.deleted.is_(False))
        .distinct()
        .order_by(LogEntry.rep_id)
    ).all()
    listed = set(db.session.scalars(select(LogSignOff.rep_id).where(LogSignOff.week == week)).all())
    for rep_id in reps:
        if rep_id not in listed:
            db.session.add(
                LogSignOff(
                    company_id=company.id,
                    rep_id=rep_id,
                    week=week,
                    week_start=week_start(week),
                    entries=_count(rep_id, week),
                )
            )
    db.session.flush()
    return {"week": week, "reps": len(reps), "listed": len(set(reps) - listed)}
