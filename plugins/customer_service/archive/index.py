"""The customer archive (客户档案, SPEC CS-18): each customer's index of documents from the order
on, filing, completeness per stage, and deletion only through the VP's approval.

The archive is a view over the core documents owned by (``sales_customer``, customer id): the
areas producing documents (contracts, payments, letters, handover) file them there with the
kinds below. Nothing here stores a second copy or deletes anything itself: deletion is the
core's soft delete after approval (``core.documents.request_deletion``).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from core.documents.service import add_document, get_document, request_deletion
from core.extensions import db
from core.letters.mailing import RECEIPT_KIND
from core.models import User
from core.models.documents import Document
from core.models.letters import Letter
from plugins.customer_service.archive.services import ARCHIVE
from plugins.customer_service.models import Contract, Instalment
from plugins.sales.models import Customer, Unit, UnitState
from plugins.sales.orders.models import Order, OrderStatus

# The archive's kinds (CS-18), in the index's order, with their labels.
KINDS = {
    "order": _l("Order"),
    "contract": _l("Contract"),
    "customer_card": _l("Customer card"),
    "payment_notice": _l("Payment notice"),
    "receipt": _l("Receipt"),
    "letter": _l("Letter to the customer"),
    RECEIPT_KIND: _l("Mailing receipt"),
    "letter_in": _l("Letter from the customer"),
    "returned_letter": _l("Returned letter"),
    "move_in_notice": _l("Move-in notice"),
    "other": _l("Other"),
}
FILED_BY_HAND = tuple(k for k in KINDS if k not in ("letter", RECEIPT_KIND, "returned_letter"))
# Orders that made the customer a buyer at some point: the archive starts with them, also
# when the contract ended later (terminated or cancelled).
ORDERED = (
    OrderStatus.active,
    OrderStatus.voided,
    OrderStatus.refunded,
    OrderStatus.withdrawn,
    OrderStatus.terminated,
    OrderStatus.cancelled,
)
CHINA = timedelta(hours=8)


def kind_label(kind: str) -> str:
    return str(KINDS.get(kind, kind))


def letter_archive_kind(letter: Letter) -> str:
    """A letter counts as the archive kind its kind key ends with (``handover.move_in_notice``
    is a move-in notice, ``customer_service.payment_notice`` a payment notice); any other
    letter is a letter."""
    last = letter.kind.rsplit(".", 1)[-1]
    return last if last in KINDS else "letter"


@dataclass(frozen=True)
class Item:
    """A line of the index: one document chain at its latest live version."""

    kind: str
    name: str
    on: date  # China date it was filed (a letter: its date)
    version: int
    who: str
    document: Document
    letter: Letter | None

    @property
    def label(self) -> str:
        return kind_label(self.kind)

    @property
    def deletion_pending(self) -> bool:
        return self.document.deletion_requested_at is not None


def _china_date(moment: datetime) -> date:
    return (moment + CHINA).date()


def _who(user: User | None) -> str:
    return (user.name or user.email) if user is not None else ""


def archive_items(customer_id: int) -> list[Item]:
    """The customer's index: kind, name, date, version and who, oldest first (CS-18)."""
    query = select(Document).where(
        Document.owner_type == ARCHIVE,
        Document.owner_id == customer_id,
        Document.deleted_at.is_(None),
    )
    latest: dict[tuple[str, str], Document] = {}
    for document in db.session.scalars(query.order_by(Document.version)):
        latest[document.kind, document.name] = document
    ids = [d.id for d in latest.values()]
    letters = {
        x.document_id: x
        for x in db.session.scalars(select(Letter).where(Letter.document_id.in_(ids)))
    }
    items = []
    for document in latest.values():
        letter = letters.get(document.id)
        items.append(
            Item(
                kind=letter_archive_kind(letter) if letter else document.kind,
                name=document.name,
                on=letter.date if letter else _china_date(document.created_at),
                version=document.version,
                who=_who(document.created_by),
                document=document,
                letter=letter,
            )
        )
    order = list(KINDS)
    return sorted(
        items, key=lambda i: (i.on, order.index(i.kind) if i.kind in KINDS else 99, i.name)
    )


def archive_document(customer_id: int, document_id: int) -> Document:
    """A live document of this customer's archive (the current company's), or a
    ValidationError naming ``document_id``: downloads and deletions go through it."""
    document = get_document(document_id)
    if document is None or (document.owner_type, document.owner_id) != (ARCHIVE, customer_id):
        raise ValidationError({"document_id": [f"no document {document_id} in this archive"]})
    return document


def file_document(
    customer: Customer, kind: str, filename: str, data: bytes, user: User | None
) -> Document:
    """File a scan or an electronic copy in the customer's archive (the next version when a
    document of that kind and name is there already)."""
    if kind not in FILED_BY_HAND:
        raise ValidationError({"kind": [f"not a kind filed by hand: {kind}"]})
    return add_document(ARCHIVE, customer.id, kind, filename, data, user)


def ask_deletion(customer_id: int, document_id: int, user: User, reason: str):
    """CS-18: nothing in the archive is destroyed without VP approval. The core's approval
    flow decides; until then the document and its content stay. Commits (the engine does)."""
    return request_deletion(archive_document(customer_id, document_id), user, reason)


# --- Completeness ------------------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    customer_id: int
    kind: str
    why: str  # the stage that requires it
    letter: Letter | None = None

    @property
    def label(self) -> str:
        return kind_label(self.kind)


STAGES = (
    # (kind, stage name, the stage's test on a customer's facts)
    ("order", _l("an order was placed"), lambda f: f["ordered"]),
    ("customer_card", _l("an order was placed"), lambda f: f["ordered"]),
    ("contract", _l("the contract is signed"), lambda f: f["signed"]),
    ("payment_notice", _l("a payment was received"), lambda f: f["paid"]),
    ("receipt", _l("a payment was received"), lambda f: f["paid"]),
    ("move_in_notice", _l("the unit is delivered"), lambda f: f["delivered"]),
)


def _ids(query) -> set[int]:
    return set(db.session.scalars(query))


def _facts(customer_ids: list[int]) -> dict[int, dict]:
    """What stage each customer reached, from the shared tables, in four queries."""
    ordered = _ids(
        select(Order.customer_id).where(
            Order.customer_id.in_(customer_ids), Order.status.in_(ORDERED)
        )
    )
    signed = _ids(
        select(Contract.customer_id).where(
            Contract.customer_id.in_(customer_ids), Contract.signed_on.is_not(None)
        )
    )
    paid = _ids(
        select(Instalment.customer_id).where(
            Instalment.customer_id.in_(customer_ids), Instalment.paid > 0
        )
    )
    delivered = _ids(
        select(Contract.customer_id)
        .join(Unit, Unit.id == Contract.unit_id)
        .where(Contract.customer_id.in_(customer_ids), Unit.state == UnitState.delivered)
    )
    return {
        c: {
            "ordered": c in ordered or c in signed,
            "signed": c in signed,
            "paid": c in paid,
            "delivered": c in delivered,
        }
        for c in customer_ids
    }


def missing_items(customer_ids: list[int]) -> list[Missing]:
    """Per customer, the kinds the stage it reached requires and the archive lacks, and every
    letter sent without its mailing receipt filed (CS-17, CS-18)."""
    if not customer_ids:
        return []
    facts = _facts(customer_ids)
    present: dict[int, set[str]] = {c: set() for c in customer_ids}
    documents = db.session.execute(
        select(Document.owner_id, Document.kind, Letter)
        .outerjoin(Letter, Letter.document_id == Document.id)
        .where(
            Document.owner_type == ARCHIVE,
            Document.owner_id.in_(customer_ids),
            Document.deleted_at.is_(None),
        )
    ).all()
    unreceipted = []
    for owner_id, kind, letter in documents:
        present[owner_id].add(letter_archive_kind(letter) if letter else kind)
        if letter is not None:
            unreceipted += [
                (owner_id, letter)
                for m in letter.mailings
                if m.sent_on and not m.returned and m.receipt_document_id is None
            ]
    missing = [
        Missing(c, kind, str(why))
        for c in customer_ids
        for kind, why, applies in STAGES
        if applies(facts[c]) and kind not in present[c]
    ]
    missing += [
        Missing(c, RECEIPT_KIND, str(_l("the letter was sent")), letter)
        for c, letter in unreceipted
    ]
    return missing


def archived_customers(query: str = "", limit: int = 200) -> list[tuple[Customer, list[Unit]]]:
    """Customers with an archive (an order placed), with their units; ``query`` matches the
    customer's code or name or a unit's label (e.g. ``1#-1-0501``)."""
    rows = db.session.execute(
        select(Customer, Unit)
        .join(Order, Order.customer_id == Customer.id)
        .join(Unit, Unit.id == Order.unit_id)
        .where(Order.status.in_(ORDERED))
        .order_by(Customer.code, Unit.id)
    ).all()
    found: dict[int, tuple[Customer, list[Unit]]] = {}
    for customer, unit in rows:
        found.setdefault(customer.id, (customer, []))
        if unit not in found[customer.id][1]:
            found[customer.id][1].append(unit)
    text = (query or "").strip().lower()
    result = [
        (customer, units)
        for customer, units in found.values()
        if not text
        or text in customer.code.lower()
        or text in customer.name.lower()
        or any(text in unit.label.lower() for unit in units)
    ]
    return result[:limit]
