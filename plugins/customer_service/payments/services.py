"""The receivables schedule (CS-09) and the money applied to it (CS-08).

Every function here flushes and never commits: each is a step of its caller's unit of work
(preparing a contract, a receipt, a reversal, an approved change or advance). Money applied
is logged as :class:`PaymentEntry` rows; an instalment's ``paid`` is their sum, the
contract's credit the sum of the entries with no instalment."""

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from marshmallow import ValidationError
from sqlalchemy import func, select

from core.extensions import db
from plugins.customer_service.models import Contract, Instalment, InstalmentKind
from plugins.customer_service.payments.models import (
    EntrySource,
    NoticeLine,
    NoticeStatus,
    PaymentEntry,
    PaymentNotice,
)

D = Decimal
ZERO = D("0.00")


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def money(value, field: str = "amount") -> Decimal:
    """A Decimal of fen from a Decimal, int or string: never a float, never rounded."""
    if isinstance(value, float):
        raise TypeError("money is never a float")
    try:
        exact = D(str(value))
        cents = exact.quantize(D("0.01"))
    except InvalidOperation:
        raise ValidationError({field: ["not an amount"]}) from None
    if cents != exact:
        raise ValidationError({field: ["at most two decimal places (fen)"]})
    return cents


def create_schedule(contract: Contract, lines: list[dict]) -> list[Instalment]:
    """The contract's instalments from the order version's ``schedule`` JSON (the purchase
    plan's lines, ``PlanLine.as_dict``: what, due (ISO date), amount (string), kind), numbered
    in due order after any instalments the contract already has."""
    start = _last_seq(contract)
    ordered = sorted(lines, key=lambda line: date.fromisoformat(str(line["due"])))
    made = []
    for seq, line in enumerate(ordered, start + 1):
        instalment = Instalment(
            company_id=contract.company_id,
            contract_id=contract.id,
            customer_id=contract.customer_id,
            unit_id=contract.unit_id,
            seq=seq,
            kind=InstalmentKind(line.get("kind") or InstalmentKind.payment),
            what=str(line["what"])[:100],
            due_on=date.fromisoformat(str(line["due"])),
            amount=money(line["amount"]),
            paid=ZERO,
            settled=False,
        )
        db.session.add(instalment)
        made.append(instalment)
    db.session.flush()
    db.session.expire(contract, ["instalments"])
    return made


def _last_seq(contract: Contract) -> int:
    return (
        db.session.scalar(
            select(func.max(Instalment.seq)).where(Instalment.contract_id == contract.id)
        )
        or 0
    )


def apply_payment(instalment: Instalment, amount: Decimal, on: date) -> None:
    """Add ``amount`` (negative to take money back) to what was paid on ``instalment``; the
    settled flag and date follow. A newly settled instalment tells dunning (CS-10)."""
    paid = D(instalment.paid or ZERO) + money(amount)
    if paid < 0 or paid > instalment.amount:
        # Money beyond an instalment is the contract's credit, never an overpaid instalment.
        raise ValueError(f"instalment {instalment.id}: paid {paid} outside 0..{instalment.amount}")
    was_settled = bool(instalment.settled)
    instalment.paid = paid
    instalment.settled = paid >= instalment.amount
    if instalment.settled and not was_settled:
        instalment.settled_on = on
    elif not instalment.settled:
        instalment.settled_on = None
    db.session.flush()
    if instalment.settled and not was_settled:
        from plugins.customer_service.dunning.services import instalment_settled

        instalment_settled(instalment)


# --- entries: money on an instalment or on the contract's credit ---------------------------


def book(
    contract: Contract,
    instalment: Instalment | None,
    amount: Decimal,
    on: date,
    source: EntrySource,
    receipt_id: int | None = None,
    text: str = "",
    undoes_id: int | None = None,
) -> PaymentEntry:
    """Log ``amount`` applied to ``instalment`` (``None``: the contract's credit) and apply
    it."""
    entry = PaymentEntry(
        company_id=contract.company_id,
        contract_id=contract.id,
        instalment_id=instalment.id if instalment is not None else None,
        amount=money(amount),
        booked_on=on,
        source=source,
        receipt_id=receipt_id,
        undoes_id=undoes_id,
        text=text[:200],
        created_at=now(),
    )
    db.session.add(entry)
    if instalment is not None:
        apply_payment(instalment, entry.amount, on)
    db.session.flush()
    return entry


def credit_of(contract: Contract) -> Decimal:
    """The contract's credit: money received beyond what its instalments asked for."""
    total = db.session.scalar(
        select(func.sum(PaymentEntry.amount)).where(
            PaymentEntry.contract_id == contract.id, PaymentEntry.instalment_id.is_(None)
        )
    )
    return money(total or ZERO)


def open_instalments(contract: Contract) -> list[Instalment]:
    """The contract's unsettled instalments, oldest due first."""
    return list(
        db.session.scalars(
            select(Instalment)
            .where(Instalment.contract_id == contract.id, Instalment.settled.is_(False))
            .order_by(Instalment.due_on, Instalment.seq)
        )
    )


def claimed(contract: Contract, except_notice: int | None = None) -> dict[int, Decimal]:
    """What issued notices (not yet received) already say they pay, per instalment: a
    second notice may not pay the same money twice."""
    query = (
        select(NoticeLine.instalment_id, func.sum(NoticeLine.amount))
        .join(PaymentNotice, PaymentNotice.id == NoticeLine.notice_id)
        .where(
            PaymentNotice.contract_id == contract.id,
            PaymentNotice.status == NoticeStatus.issued,
        )
        .group_by(NoticeLine.instalment_id)
    )
    if except_notice is not None:
        query = query.where(PaymentNotice.id != except_notice)
    return {i: money(total) for i, total in db.session.execute(query)}


def payable(contract: Contract, except_notice: int | None = None) -> list[tuple]:
    """``(instalment, amount still payable)`` for each open instalment, oldest due first:
    its outstanding less what issued notices already claim."""
    taken = claimed(contract, except_notice)
    result = []
    for instalment in open_instalments(contract):
        left = instalment.outstanding - taken.get(instalment.id, ZERO)
        if left > 0:
            result.append((instalment, left))
    return result


def oldest_first(contract: Contract, amount: Decimal) -> list[tuple]:
    """``amount`` spread over the payable instalments, oldest due first:
    ``[(instalment, part)]``; what is left over is the caller's excess."""
    left, parts = money(amount), []
    for instalment, room in payable(contract):
        if left <= 0:
            break
        part = min(room, left)
        parts.append((instalment, part))
        left -= part
    return parts


def apply_credit(contract: Contract, on: date, text: str = "") -> Decimal:
    """Move the contract's credit onto its next instalments (oldest due first, leaving what
    issued notices claim); returns the amount moved."""
    credit = credit_of(contract)
    moved = ZERO
    for instalment, part in oldest_first(contract, credit) if credit > 0 else []:
        book(contract, None, -part, on, EntrySource.credit, text=text)
        book(contract, instalment, part, on, EntrySource.credit, text=text)
        moved += part
    return moved


def add_instalment(
    contract: Contract, kind: InstalmentKind, what: str, due_on: date, amount: Decimal
) -> Instalment:
    """A new amount the customer owes (an engineering change, an advanced mortgage
    instalment), paid at once from any credit the contract holds."""
    instalment = Instalment(
        company_id=contract.company_id,
        contract_id=contract.id,
        customer_id=contract.customer_id,
        unit_id=contract.unit_id,
        seq=_last_seq(contract) + 1,
        kind=kind,
        what=what[:100],
        due_on=due_on,
        amount=money(amount),
        paid=ZERO,
        settled=False,
    )
    db.session.add(instalment)
    db.session.flush()
    db.session.expire(contract, ["instalments"])
    apply_credit(contract, due_on, what)
    return instalment


def add_credit(
    contract: Contract, amount: Decimal, on: date, source: EntrySource, text: str
) -> Decimal:
    """Money the customer no longer owes (a cheaper engineering change): credited to the
    contract and applied to its next instalments like an overpayment. Returns the credit
    left over."""
    book(contract, None, amount, on, source, text=text)
    apply_credit(contract, on, text)
    return credit_of(contract)
