"""What a rep cannot settle (CS-14): the CS manager answers the customer within the setting's
hours (default 48) or escalates to the VP, then the GM, each level with a fresh deadline; and
coordination requests to other departments with a due date. Both have an overdue list."""

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from core.approvals.service import role_codes
from core.duties import today
from core.extensions import db
from core.jobs.runner import now
from core.models import Company, User
from core.permissions import DEFAULT_ROLES, PermissionDenied, permissions_of
from core.plugins.state import get_settings
from plugins.customer_service.contacts import ANSWER, LOG
from plugins.customer_service.contacts.models import (
    CoordinationRequest,
    Escalation,
    EscalationLevel,
    LogEntry,
)
from plugins.customer_service.contacts.services import find_customer

LEVELS = list(EscalationLevel)  # the order of escalation
# The departments a coordination request can go to: every role but the reps' own and the
# customers'.
DEPARTMENTS = tuple(code for code in DEFAULT_ROLES if code not in ("cs_rep", "owner"))


def _deadline(company: Company, start: datetime) -> datetime:
    hours = get_settings(company, "customer_service")["log_escalation_hours"]
    return start + timedelta(hours=hours)


def raise_escalation(company: Company, entry: LogEntry, subject: str) -> Escalation:
    """Refer a matter of ``entry`` to the CS manager."""
    subject = (subject or "").strip()
    if not subject:
        raise ValidationError({"subject": [_("Say what the customer needs.")]})
    raised = now()
    escalation = Escalation(
        company_id=company.id,
        entry=entry,
        customer_id=entry.customer_id,
        subject=subject,
        level=EscalationLevel.cs_manager,
        raised_at=raised,
        due_at=_deadline(company, raised),
    )
    db.session.add(escalation)
    db.session.flush()
    return escalation


def _may_act(company: Company, escalation: Escalation, user: User) -> None:
    """The holder of the escalation's level, or of a level above it, acts on it."""
    if ANSWER not in permissions_of(user, company):
        raise PermissionDenied(ANSWER)
    if escalation.answered_at is not None:
        raise ValidationError({"escalation": [_("The customer was answered already.")]})
    allowed = {str(level) for level in LEVELS[LEVELS.index(escalation.level) :]}
    if not (allowed & role_codes(user, company)):
        raise ValidationError(
            {
                "level": [
                    _(
                        "At this level the %(role)s or above acts.",
                        role=_(DEFAULT_ROLES[str(escalation.level)]),
                    )
                ]
            }
        )


def answer(company: Company, escalation: Escalation, user: User, text: str) -> Escalation:
    """The customer was answered (by the holder of the current level or above)."""
    _may_act(company, escalation, user)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"answer": [_("Write down the answer given to the customer.")]})
    escalation.answer, escalation.answered_at, escalation.answered_by_id = text, now(), user.id
    db.session.flush()
    return escalation


def escalate(company: Company, escalation: Escalation, user: User, reason: str) -> Escalation:
    """Pass the matter one level up (CS manager → VP → GM) with a new deadline."""
    _may_act(company, escalation, user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why it goes up.")]})
    index = LEVELS.index(escalation.level)
    if index == len(LEVELS) - 1:
        raise ValidationError({"level": [_("The general manager is the last level.")]})
    line = f"{escalation.level} → {LEVELS[index + 1]} ({user.name or user.email}): {reason}"
    escalation.history = "\n".join(filter(None, [escalation.history, line]))
    escalation.level = LEVELS[index + 1]
    escalation.raised_at = now()
    escalation.due_at = _deadline(company, escalation.raised_at)
    db.session.flush()
    return escalation


def open_escalations(at: datetime | None = None, overdue_only: bool = False):
    """Unanswered escalations (current company), oldest deadline first; ``overdue_only``:
    past their deadline at ``at`` (default now)."""
    query = select(Escalation).where(Escalation.answered_at.is_(None))
    if overdue_only:
        query = query.where(Escalation.due_at < (at or now()))
    return query.order_by(Escalation.due_at, Escalation.id)


# --- coordination requests to other departments ----------------------------------------------


def request_coordination(company: Company, user: User, data: dict) -> CoordinationRequest:
    """Ask a department (``department``: a role code) to do ``subject`` by ``due_on``;
    optionally about a customer or a log entry."""
    department = data.get("department")
    if department not in DEPARTMENTS:
        raise ValidationError({"department": [_("Not a department of the company.")]})
    subject = (data.get("subject") or "").strip()
    if not subject:
        raise ValidationError({"subject": [_("Say what is asked.")]})
    due_on = data.get("due_on")
    if due_on is None or due_on < today():
        raise ValidationError({"due_on": [_("A due date from today on is required.")]})
    entry, customer_id = None, data.get("customer_id")
    if data.get("entry_id") is not None:
        entry = db.session.get(LogEntry, data["entry_id"])
        if entry is None:
            raise ValidationError({"entry_id": [_("No such log entry.")]})
        customer_id = entry.customer_id
    elif customer_id is not None:
        find_customer(customer_id)
    request = CoordinationRequest(
        company_id=company.id,
        entry=entry,
        customer_id=customer_id,
        department=department,
        subject=subject,
        due_on=due_on,
        requested_by_id=user.id,
        requested_on=today(),
    )
    db.session.add(request)
    db.session.flush()
    return request


def complete_coordination(
    company: Company, request: CoordinationRequest, user: User, result: str
) -> CoordinationRequest:
    """Done: by someone of the department, or by customer service writing down its answer."""
    if request.done_on is not None:
        raise ValidationError({"request": [_("Done already.")]})
    if request.department not in role_codes(user, company) and LOG not in permissions_of(
        user, company
    ):
        raise PermissionDenied(LOG)
    request.done_on, request.done_by_id = today(), user.id
    request.result = (result or "").strip()
    db.session.flush()
    return request


def open_coordination(on: date | None = None, overdue_only: bool = False):
    """Requests not done (current company), earliest due first; ``overdue_only``: due before
    ``on`` (default today)."""
    query = select(CoordinationRequest).where(CoordinationRequest.done_on.is_(None))
    if overdue_only:
        query = query.where(CoordinationRequest.due_on < (on or today()))
    return query.order_by(CoordinationRequest.due_on, CoordinationRequest.id)
