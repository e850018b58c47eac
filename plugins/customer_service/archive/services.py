"""Letters and addresses (SPEC CS-17): where a customer's letters go, address changes and the
lawyer's letter, letters from customers and their written answers.

Functions flush; the caller (a screen, an API endpoint, the demo) commits. Returned letters and
mailing receipts are recorded with the core's mailing service
(:func:`core.letters.mailing.record_mailing`): the archive shows them, it does not redo them.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from marshmallow import ValidationError
from sqlalchemy import select

from core.calendar import add_working_days
from core.documents.service import add_document, get_document
from core.extensions import db
from core.letters.production import mailing_addresses, produce_letter
from core.models import Company, User
from core.models.documents import Document
from core.plugins.state import get_settings
from plugins.customer_service.archive.models import AddressChange, IncomingLetter
from plugins.customer_service.models import Contract, ContractStatus
from plugins.sales.models import Customer

ARCHIVE = "sales_customer"  # a customer's archive: core documents owned by the customer (CS-18)
PLUGIN = "customer_service"
LAWYER_KIND = "customer_service.address_change_lawyer"
ANSWER_KIND = "customer_service.letter_answer"
CONFIRMATION_KIND = "other"  # the customer's written confirmation of a new address
LETTER_IN_KIND = "letter_in"
CLOSED = (ContractStatus.cancelled, ContractStatus.terminated)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _suffix(filename: str) -> str:
    return "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


# --- Where letters go --------------------------------------------------------------------


@dataclass(frozen=True)
class Addresses:
    """The address of record (the contract's, or the last one confirmed in writing) and the
    latest unconfirmed one reported after it."""

    of_record: str
    unconfirmed: str | None

    @property
    def mailing(self) -> list[str]:
        found = mailing_addresses(self.of_record, self.unconfirmed, confirmed=False)
        return [a for a in found if a and a.strip()]


def changes_of(contract_id: int) -> list[AddressChange]:
    """A contract's address changes in the order they were reported."""
    query = select(AddressChange).where(AddressChange.contract_id == contract_id)
    return list(db.session.scalars(query.order_by(AddressChange.reported_on, AddressChange.id)))


def _resolve(contract_address: str, changes: list[AddressChange]) -> Addresses:
    of_record, unconfirmed = contract_address or "", None
    for change in changes:
        if change.confirmed:
            of_record, unconfirmed = change.new_address, None
        else:
            unconfirmed = change.new_address
    return Addresses(of_record, unconfirmed)


def addresses_of(contract: Contract) -> Addresses:
    return _resolve(contract.address, changes_of(contract.id))


def letter_addresses(contract: Contract) -> list[str]:
    """CS-17: the contract's address; after a written (confirmed) change, the new one; after
    an unconfirmed change, both (the address of record and the new one)."""
    return addresses_of(contract).mailing


def current_contract(customer_id: int) -> Contract | None:
    """The customer's latest contract still in force, else the latest one."""
    contracts = db.session.scalars(
        select(Contract).where(Contract.customer_id == customer_id).order_by(Contract.id.desc())
    ).all()
    return next(
        (c for c in contracts if c.status not in CLOSED), contracts[0] if contracts else None
    )


# --- Address changes ---------------------------------------------------------------------


def _archived(customer_id: int, document_id: int, field: str) -> Document:
    document = get_document(document_id)
    if document is None or (document.owner_type, document.owner_id) != (ARCHIVE, customer_id):
        raise ValidationError({field: [f"no document {document_id} in this customer's archive"]})
    return document


def _written(change: AddressChange, on: date, user, file, document_id) -> Document:
    """The written confirmation: an uploaded (name, bytes) filed in the archive, or a
    document of the archive named by id."""
    if file is not None:
        name, data = file
        title = f"地址变更确认书 {change.contract.number} {on.isoformat()}{_suffix(name)}"
        return add_document(ARCHIVE, change.customer_id, CONFIRMATION_KIND, title, data, user)
    if document_id is not None:
        return _archived(change.customer_id, document_id, "document_id")
    raise ValidationError({"document": ["a confirmed change needs the written confirmation"]})


def lawyer_settings(company: Company) -> dict:
    settings = get_settings(company, PLUGIN)
    if not settings["address_change_lawyer_address"].strip():
        raise ValidationError(
            {"address_change_lawyer_address": ["set the lawyer's address to tell the lawyer"]}
        )
    return settings


def confirm_address_change(
    company: Company,
    user: User | None,
    change: AddressChange,
    on: date,
    file: tuple[str, bytes] | None = None,
    document_id: int | None = None,
) -> AddressChange:
    """The customer confirmed the new address in writing: the confirmation is filed, letters
    go to the new address only, and the lawyer is told by letter (CS-17)."""
    if change.confirmed:
        raise ValidationError({"confirmed_on": ["this change is confirmed already"]})
    if on < change.reported_on:
        raise ValidationError(
            {"confirmed_on": [f"before the change was reported ({change.reported_on})"]}
        )
    lawyer_settings(company)  # refuse before filing anything
    document = _written(change, on, user, file, document_id)
    change.confirmed_on = on
    change.document_id = document.id
    change.confirmed_by_id = user.id if user else None
    db.session.flush()
    letter = produce_letter(company, LAWYER_KIND, AddressChange.__tablename__, change.id, user=user)
    change.lawyer_letter_id = letter.id
    db.session.flush()
    return change


def record_address_change(
    company: Company,
    user: User | None,
    contract: Contract,
    new_address: str,
    reported_on: date,
    note: str = "",
    confirmed_on: date | None = None,
    file: tuple[str, bytes] | None = None,
    document_id: int | None = None,
) -> AddressChange:
    """A customer reports a new address for ``contract``; with a written confirmation
    (``file`` or ``document_id``) it is confirmed at once."""
    new_address = (new_address or "").strip()
    if not new_address:
        raise ValidationError({"new_address": ["the new address is required"]})
    now = addresses_of(contract)
    if new_address in (now.of_record.strip(), (now.unconfirmed or "").strip()):
        raise ValidationError({"new_address": ["letters already go to this address"]})
    change = AddressChange(
        company_id=contract.company_id,
        contract_id=contract.id,
        customer_id=contract.customer_id,
        new_address=new_address,
        reported_on=reported_on,
        note=(note or "").strip(),
        recorded_by_id=user.id if user else None,
        created_at=_now(),
    )
    db.session.add(change)
    db.session.flush()
    if file is not None or document_id is not None or confirmed_on is not None:
        confirm_address_change(
            company, user, change, confirmed_on or reported_on, file, document_id
        )
    return change


def previous_address(change: AddressChange) -> str:
    """The address of record just before ``change`` (what the lawyer is told it replaces)."""
    before = [
        c
        for c in changes_of(change.contract_id)
        if (c.reported_on, c.id) < (change.reported_on, change.id)
    ]
    return _resolve(change.contract.address, before).of_record


# --- Letters from customers ---------------------------------------------------------------


def answer_due(company: Company, received_on: date) -> date:
    """The written answer is due this many working days after the letter came (CS-17)."""
    days = get_settings(company, PLUGIN)["letter_answer_working_days"]
    return add_working_days(received_on, days)


def record_incoming_letter(
    company: Company,
    user: User | None,
    customer: Customer,
    received_on: date,
    sender: str,
    subject: str,
    sender_address: str = "",
    file: tuple[str, bytes] | None = None,
    document_id: int | None = None,
) -> IncomingLetter:
    """File a customer's letter (kind ``letter_in``) in the archive; its answer falls due."""
    errors = {}
    if not (sender or "").strip():
        errors["sender"] = ["who wrote the letter is required"]
    if not (subject or "").strip():
        errors["subject"] = ["the subject is required"]
    if errors:
        raise ValidationError(errors)
    if file is not None:
        name, data = file
        title = f"来函 {received_on.isoformat()} {subject.strip()[:60]}{_suffix(name)}"
        document = add_document(ARCHIVE, customer.id, LETTER_IN_KIND, title, data, user)
    elif document_id is not None:
        document = _archived(customer.id, document_id, "document_id")
        if document.kind != LETTER_IN_KIND:
            raise ValidationError({"document_id": [f"filed as {document.kind}, not letter_in"]})
    else:
        raise ValidationError({"file": ["the letter itself is filed: upload it"]})
    letter = IncomingLetter(
        company_id=customer.company_id,
        customer_id=customer.id,
        received_on=received_on,
        sender=sender.strip(),
        sender_address=(sender_address or "").strip(),
        subject=subject.strip(),
        document_id=document.id,
        due_on=answer_due(company, received_on),
        recorded_by_id=user.id if user else None,
        created_at=_now(),
    )
    db.session.add(letter)
    db.session.flush()
    return letter


def answer_addresses(incoming: IncomingLetter) -> list[str]:
    """The answer follows the customer's contract (CS-17); without one, the letter's own."""
    contract = current_contract(incoming.customer_id)
    found = letter_addresses(contract) if contract is not None else []
    if not found and incoming.sender_address:
        found = [incoming.sender_address]
    return found


def answer_letter(
    company: Company,
    user: User | None,
    incoming: IncomingLetter,
    body: list[str],
    title: str = "",
) -> "IncomingLetter":
    """The written answer: a letter produced through the core letters, filed in the
    customer's archive, and the incoming letter marked answered."""
    if incoming.answer_letter_id is not None:
        raise ValidationError({"answer": ["this letter is answered already"]})
    paragraphs = [p.strip() for p in body if p and p.strip()]
    if not paragraphs:
        raise ValidationError({"body": ["the answer needs some text"]})
    if not answer_addresses(incoming):
        raise ValidationError({"sender_address": ["no address to send the answer to"]})
    context = {"body": paragraphs, "title": (title or "").strip()}
    letter = produce_letter(
        company, ANSWER_KIND, IncomingLetter.__tablename__, incoming.id, context=context, user=user
    )
    incoming.answer_letter_id = letter.id
    incoming.answered_on = letter.date
    db.session.flush()
    return incoming


def unanswered_letters() -> list[IncomingLetter]:
    """The customers' letters still waiting for their written answer, soonest due first."""
    query = select(IncomingLetter).where(IncomingLetter.answer_letter_id.is_(None))
    return list(db.session.scalars(query.order_by(IncomingLetter.due_on, IncomingLetter.id)))
