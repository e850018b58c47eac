"""Complaints (投诉, CS-13): recorded with who, what, unit, channel, category and construction
section; answered at once or within the answer clock; a written reply approved by the VP and
due within working days; tracked until done; a legal dispute when it cannot be solved or the
customer goes to law; a follow-up call after it is resolved.

Every function flushes and leaves the commit to the caller. The written reply and its VP
approval are in :mod:`plugins.customer_service.complaints.replies`.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import and_, or_, select

from core.admin.labels import label
from core.approvals.service import role_codes
from core.calendar import add_working_days
from core.duties import today
from core.extensions import db
from core.models import Company, User
from core.plugins.state import get_settings
from core.tenancy import current_company_id
from plugins.customer_service.complaints.models import (
    OPEN,
    Channel,
    Complaint,
    ComplaintStatus,
    DisputeReason,
    FollowUpCall,
    LegalDispute,
    ReplyStatus,
    Satisfaction,
)
from plugins.customer_service.complaints.schemas import (
    ComplaintInput,
    DisputeCloseInput,
    DisputeInput,
    FollowUpInput,
    ResolveInput,
    TextInput,
)
from plugins.customer_service.models import Household
from plugins.sales.models import Customer, Unit

CHINA = ZoneInfo("Asia/Shanghai")
OWNER = Complaint.__tablename__
S, R = ComplaintStatus, ReplyStatus


class ComplaintRefused(Exception):
    """A step the complaint's state does not allow; the message says why."""

    status = 409


def settings_of(company: Company) -> dict:
    return get_settings(company, "customer_service")


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def china_date(at: datetime) -> date:
    """The China date of a stored (naive UTC) timestamp."""
    return at.replace(tzinfo=UTC).astimezone(CHINA).date()


def local_time(at: datetime | None) -> str:
    """A stored (naive UTC) timestamp as China time for people, to the minute."""
    if at is None:
        return ""
    return at.replace(tzinfo=UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _utc(at: datetime | None) -> datetime:
    """An input time as naive UTC; a naive input is China time."""
    if at is None:
        return now_utc()
    aware = at.replace(tzinfo=CHINA) if at.tzinfo is None else at
    return aware.astimezone(UTC).replace(tzinfo=None)


def _own(model, ident, field: str):
    """``model`` ``ident`` of the current company, else a ValidationError naming ``field``."""
    row = db.session.get(model, ident)
    # An identity-map hit skips the scoped SELECT: check the owner here too.
    if row is None or row.company_id != current_company_id():
        raise ValidationError({field: [_("Not found.")]})
    return row


def company_of(complaint: Complaint) -> Company:
    return db.session.get(Company, complaint.company_id)


def sections_of(settings: dict, project) -> list[str]:
    """The construction sections (工程标段) listed for ``project``; empty: free text."""
    return list(settings["complaint_sections"].get(project.name, []))


def require(complaint: Complaint, *statuses) -> None:
    if complaint.status not in statuses:
        raise ComplaintRefused(
            _("Complaint #%(id)d is %(status)s.", id=complaint.id, status=label(complaint.status))
        )


# --- recording and answering -----------------------------------------------------------------


def record(company: Company, user: User, data: dict) -> Complaint:
    """Record a complaint. The answer clock starts at ``received_at``; a written reply (by
    default for a letter) is due within the company's working days of the day received."""
    values = ComplaintInput().load(data)
    settings = settings_of(company)
    unit = _own(Unit, values["unit_id"], "unit_id")
    household = db.session.scalar(select(Household).where(Household.unit_id == unit.id))
    customer_id = values["customer_id"] or (household.customer_id if household else None)
    if customer_id is None:
        raise ValidationError({"customer_id": [_("The unit has no buyer: name the customer.")]})
    customer = _own(Customer, customer_id, "customer_id")
    if values["category"] not in settings["complaint_categories"]:
        raise ValidationError({"category": [_("Not one of the company's complaint categories.")]})
    project = unit.building.project
    allowed = sections_of(settings, project)
    if allowed and values["section"] not in allowed:
        raise ValidationError({"section": [_("Not one of the project's construction sections.")]})
    received_at = _utc(values["received_at"])
    complaint = Complaint(
        company_id=company.id,
        customer_id=customer.id,
        unit_id=unit.id,
        project_id=project.id,
        rep_id=household.rep_id if household and household.rep_id else user.id,
        channel=Channel(values["channel"]),
        category=values["category"],
        section=values["section"].strip(),
        content=values["content"],
        received_at=received_at,
        received_on=china_date(received_at),
        recorded_by_id=user.id,
        status=S.open,
        answer_due_at=received_at + timedelta(hours=settings["complaint_answer_hours"]),
    )
    written = values["written_reply"]
    if written if written is not None else complaint.channel == Channel.letter:
        needs_reply(complaint, settings)
    if values["answer"].strip():
        complaint.status, complaint.on_the_spot = S.answered, True
        complaint.answer = values["answer"].strip()
        complaint.answered_at, complaint.answered_by_id = received_at, user.id
    db.session.add(complaint)
    db.session.flush()
    return complaint


def needs_reply(complaint: Complaint, settings: dict) -> None:
    complaint.reply_status = R.to_write
    complaint.reply_due_on = add_working_days(
        complaint.received_on, settings["complaint_reply_working_days"]
    )


def answer(complaint: Complaint, user: User, data: dict, at: datetime | None = None) -> Complaint:
    """The answer given to the customer (by phone or in person), which stops the clock."""
    text = TextInput().load(data)["text"]
    require(complaint, S.open)
    complaint.status, complaint.answer = S.answered, text
    complaint.answered_at, complaint.answered_by_id = _utc(at), user.id
    db.session.flush()
    return complaint


# --- resolution, follow-up and legal dispute ----------------------------------------------------


def resolve(complaint: Complaint, user: User, data: dict) -> Complaint:
    """Resolved: the follow-up call is due within the company's days after ``on``."""
    values = ResolveInput().load(data)
    require(complaint, S.open, S.answered)
    on = values["on"] or today()
    if complaint.status == S.open:  # solved at first contact: that was the answer
        complaint.answer = complaint.answer or values["resolution"]
        complaint.answered_at, complaint.answered_by_id = now_utc(), user.id
    complaint.status, complaint.resolution, complaint.resolved_on = (
        S.resolved,
        values["resolution"],
        on,
    )
    days = settings_of(company_of(complaint))["complaint_follow_up_days"]
    complaint.follow_up_due_on = on + timedelta(days=days)
    db.session.flush()
    return complaint


def record_follow_up(complaint: Complaint, user: User, data: dict) -> FollowUpCall:
    """A line of the follow-up form. Reached and satisfied: the complaint is done. Reached and
    dissatisfied: it is open again (answered, to be resolved anew). Not reached: the call is
    still due."""
    values = FollowUpInput().load(data)
    require(complaint, S.resolved)
    if values["reached"] and not values["satisfaction"]:
        raise ValidationError({"satisfaction": [_("Say how satisfied the customer is.")]})
    call = FollowUpCall(
        company_id=complaint.company_id,
        complaint=complaint,
        called_on=values["called_on"] or today(),
        by_id=user.id,
        reached=values["reached"],
        satisfaction=Satisfaction(values["satisfaction"]) if values["reached"] else None,
        notes=values["notes"],
        created_at=now_utc(),
    )
    db.session.add(call)
    if call.reached and call.satisfaction == Satisfaction.dissatisfied:
        complaint.status, complaint.resolved_on, complaint.follow_up_due_on = S.answered, None, None
    elif call.reached:
        complaint.status, complaint.closed_on = S.closed, call.called_on
    db.session.flush()
    return call


def open_dispute(complaint: Complaint, user: User, data: dict) -> LegalDispute:
    """The complaint cannot be solved or the customer went to law: a legal dispute."""
    values = DisputeInput().load(data)
    require(complaint, *OPEN)
    company = company_of(complaint)
    if values["lawyer_id"] is not None:
        lawyer = db.session.get(User, values["lawyer_id"])
        if lawyer is None or "lawyer" not in role_codes(lawyer, company):
            raise ValidationError({"lawyer_id": [_("Not a lawyer of this company.")]})
    dispute = LegalDispute(
        company_id=complaint.company_id,
        complaint=complaint,
        reason=DisputeReason(values["reason"]),
        opened_on=values["on"] or today(),
        description=values["description"],
        lawyer_id=values["lawyer_id"],
        case_number=values["case_number"],
        court=values["court"],
        created_by_id=user.id,
    )
    db.session.add(dispute)
    complaint.status = S.legal_dispute
    db.session.flush()
    return dispute


def close_dispute(complaint: Complaint, user: User, data: dict) -> LegalDispute:
    """The dispute ended (judgment, settlement, withdrawal): the complaint is done."""
    values = DisputeCloseInput().load(data)
    require(complaint, S.legal_dispute)
    dispute = complaint.dispute
    dispute.closed_on, dispute.outcome = values["on"] or today(), values["outcome"]
    complaint.status, complaint.closed_on = S.closed, dispute.closed_on
    db.session.flush()
    return dispute


# --- lists -----------------------------------------------------------------------------------


def overdue_clause(kind: str, at: datetime | None = None, day: date | None = None):
    """The SQL condition of an overdue list: ``answer`` (not answered within the clock),
    ``reply`` (written reply past its due day), ``follow_up`` (call past its due day), or
    ``any`` of them."""
    at, day = at or now_utc(), day or today()
    clauses = {
        "answer": and_(Complaint.status == S.open, Complaint.answer_due_at < at),
        "reply": and_(
            Complaint.status.in_(OPEN),
            Complaint.reply_status.in_((R.to_write, R.pending_approval)),
            Complaint.reply_due_on < day,
        ),
        "follow_up": and_(Complaint.status == S.resolved, Complaint.follow_up_due_on < day),
    }
    return or_(*clauses.values()) if kind == "any" else clauses[kind]


def complaints_query(filters: dict, at: datetime | None = None, day: date | None = None):
    """The complaints matching the list filters (``ComplaintQuery``), newest first. The
    status ``tracked`` means every status not done yet."""
    query = select(Complaint).order_by(Complaint.received_at.desc(), Complaint.id.desc())
    status = filters.get("status")
    if status == "tracked":
        query = query.where(Complaint.status.in_(OPEN + (S.legal_dispute,)))
    elif status:
        query = query.where(Complaint.status == status)
    for name in ("category", "section", "channel"):
        if filters.get(name):
            query = query.where(getattr(Complaint, name) == filters[name])
    if filters.get("project"):
        query = query.where(Complaint.project_id == filters["project"])
    if filters.get("first"):
        query = query.where(Complaint.received_on >= filters["first"])
    if filters.get("last"):
        query = query.where(Complaint.received_on <= filters["last"])
    if filters.get("overdue"):
        query = query.where(overdue_clause(filters["overdue"], at, day))
    return query
