"""The written reply to a complaint (CS-13): due within working days of the day received,
approved by the VP (approval flow ``customer_service.complaint_reply``), then sent as a formal
letter (CS-17) filed in the customer's archive.

:func:`submit_reply` is its own unit of work: the approval engine commits the request with the
complaint."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from core import approvals
from core.admin.labels import label
from core.duties import today
from core.extensions import db
from core.letters import LetterData, LetterKind
from core.letters.production import LetterDraft, produce_letter
from core.models import Company, User
from plugins.customer_service.complaints.models import Complaint
from plugins.customer_service.complaints.schemas import TextInput
from plugins.customer_service.complaints.services import (
    OWNER,
    ComplaintRefused,
    R,
    S,
    company_of,
    needs_reply,
    now_utc,
    require,
    settings_of,
)
from plugins.customer_service.models import Contract, ContractStatus

REPLY = "customer_service.complaint_reply"  # the approval's document type and the letter kind


def live_contract(complaint: Complaint) -> Contract | None:
    return db.session.scalar(
        select(Contract)
        .where(
            Contract.unit_id == complaint.unit_id,
            Contract.status.not_in((ContractStatus.cancelled, ContractStatus.terminated)),
        )
        .order_by(Contract.id.desc())
        .limit(1)
    )


def submit_reply(complaint: Complaint, user: User, data: dict):
    """Write the reply and send it to the VP for approval; returns the approval request.
    Approved, the reply letter goes out (see :func:`approval_decided`)."""
    text = TextInput().load(data)["text"]
    require(complaint, S.open, S.answered, S.resolved)
    if complaint.reply_status not in (R.none, R.to_write):
        raise ComplaintRefused(
            _("The written reply is %(status)s.", status=label(complaint.reply_status))
        )
    contract = live_contract(complaint)
    if contract is None or not contract.address.strip():
        raise ValidationError({"text": [_("The unit has no contract address to write to.")]})
    company = company_of(complaint)
    if complaint.reply_status == R.none:
        needs_reply(complaint, settings_of(company))
    complaint.reply_text, complaint.reply_status = text, R.pending_approval
    db.session.flush()
    data = {"complaint": complaint.id, "category": complaint.category, "unit": complaint.unit.label}
    return approvals.submit(company, REPLY, OWNER, complaint.id, data, user)


def approval_decided(request) -> None:
    """The VP decided on a written reply (inside the deciding transaction): approved, the
    letter is produced (archived with the customer, sent by express mail); otherwise it goes
    back to the rep to rewrite."""
    if request.doc_type != REPLY or request.owner_type != OWNER:
        return
    complaint = db.session.get(Complaint, request.owner_id)
    if complaint is None or complaint.reply_status != R.pending_approval:
        return
    complaint.reply_request_id = request.id
    if request.status != approvals.RequestStatus.approved:
        complaint.reply_status = R.to_write
        return
    letter = produce_letter(request.company, REPLY, OWNER, complaint.id, user=request.requester)
    complaint.reply_letter_id, complaint.reply_status = letter.id, R.sent
    complaint.reply_sent_on = letter.date
    if complaint.status == S.open:
        complaint.status, complaint.answer = S.answered, complaint.reply_text
        complaint.answered_at, complaint.answered_by_id = now_utc(), request.requester_id


def reply_letter(complaint: Complaint, company: Company, step: str = "", **context):
    """The reply letter (CS-17: a written complaint gets a written answer, by express mail to
    the contract's address) filed in the customer's archive."""
    from plugins.customer_service.archive.services import letter_addresses

    contract = live_contract(complaint)
    letter = LetterData(
        company_name=company.name,
        title=str(_l("Reply to your complaint")),
        addressee=complaint.customer.name,
        address="",
        body=[
            str(
                _l(
                    "Concerning what you told us on %(day)s about unit %(unit)s:",
                    day=complaint.received_on.isoformat(),
                    unit=complaint.unit.label,
                )
            ),
            *[p for p in complaint.reply_text.splitlines() if p.strip()],
        ],
        date=today(),
    )
    return LetterDraft(
        letter,
        addresses=letter_addresses(contract) if contract else None,
        archive=("sales_customer", complaint.customer_id),
    )


def letter_kind() -> LetterKind:
    return LetterKind(REPLY, _l("Reply to a complaint"), reply_letter)
