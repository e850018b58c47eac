"""Finance's side of a payment (CS-08): the receipt that makes a notice's money count, its
reversal, the contract's credit applied or refunded, and the order's deposit carried into
the cash journal.

A receipt updates, in one transaction, the instalments (the customer card and the sales
ledger read them) and the cash journal; any error leaves none of them changed."""

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import func, select

from core.duties import today
from core.extensions import db
from core.models import User
from core.services.transaction import company_transaction
from plugins.customer_service.models import Contract
from plugins.customer_service.payments import FINANCE, NOTICE, REVERSE
from plugins.customer_service.payments.models import (
    EntrySource,
    Excess,
    JournalKind,
    JournalLine,
    NoticeStatus,
    PaymentEntry,
    PaymentNotice,
    Receipt,
    TransferStatus,
)
from plugins.customer_service.payments.notices import (
    PaymentRefused,
    archive_pdf,
    company_of,
    lock_notice,
    next_number,
    receipt_letter,
    require,
)
from plugins.customer_service.payments.services import (
    ZERO,
    apply_credit,
    book,
    credit_of,
    money,
    now,
)


def journal(
    contract: Contract,
    on: date,
    amount: Decimal,
    kind: JournalKind,
    user: User,
    text: str,
    receipt_id: int | None = None,
) -> JournalLine:
    """One line of the cash journal (销售流水帐): a money movement, signed."""
    line = JournalLine(
        company_id=contract.company_id,
        booked_on=on,
        amount=money(amount),
        kind=kind,
        contract_id=contract.id,
        customer_id=contract.customer_id,
        project_id=contract.unit.building.project_id,
        receipt_id=receipt_id,
        text=text[:200],
        created_by_id=user.id,
        created_at=now(),
    )
    db.session.add(line)
    return line


def carry_deposits(contract: Contract, deposits: list, amount: Decimal, user: User) -> bool:
    """The order's deposits (SAL-17: sales received them with the order) into the cash
    journal when the contract is prepared: ``amount`` of them (what the deposit instalment is
    credited), oldest first, one line per deposit naming it, dated the day it was received.
    An order's deposits are carried together, so an order with a deposit line already (on
    this contract or another of its contracts) gets none again: returns False."""
    carried = db.session.scalar(
        select(JournalLine.id)
        .join(Contract, Contract.id == JournalLine.contract_id)
        .where(
            Contract.order_id == contract.order_id,
            JournalLine.kind == JournalKind.order_deposit,
        )
        .limit(1)
    )
    if carried is not None:
        return False
    left = money(amount)
    for deposit in sorted(deposits, key=lambda d: (d.received_on, d.id)):
        part = min(deposit.amount, left)
        if part <= 0:
            break
        text = _(
            "Deposit #%(id)d of order #%(order)d, received by sales",
            id=deposit.id,
            order=deposit.order_id,
        )
        journal(contract, deposit.received_on, part, JournalKind.order_deposit, user, text)
        left -= part
    return True


def _receipt_number(company, data: dict, on: date) -> str:
    number = (data.get("number") or "").strip()
    if not number:
        return next_number(company, "SK", on.year)
    if db.session.scalar(select(Receipt.id).where(Receipt.number == number)):
        raise ValidationError({"number": [_("Receipt number %(n)s is already used.", n=number)]})
    return number


def issue_receipt(notice: PaymentNotice, user: User, data: dict | None = None) -> Receipt:
    """Finance receives the money of ``notice`` (``data``: number (blank: the next one),
    received_on (default: the transfer's date, else today), invoice_no). The notice's lines
    pay their instalments; money beyond them is the contract's credit, moved onto its next
    instalments, or refunded at once as the notice says."""
    data = data or {}
    company = company_of(notice)
    require(user, company, FINANCE)
    with company_transaction(company):
        lock_notice(notice)
        if notice.status != NoticeStatus.issued:
            raise PaymentRefused(_("Notice %(n)s is not waiting for a receipt.", n=notice.number))
        transfer = notice.transfer
        on = data.get("received_on") or (transfer.received_on if transfer else today())
        contract = notice.contract
        receipt = Receipt(
            company_id=company.id,
            number=_receipt_number(company, data, on),
            notice=notice,
            contract_id=contract.id,
            amount=notice.amount,
            received_on=on,
            invoice_no=(data.get("invoice_no") or "").strip()[:60],
            issued_by_id=user.id,
            issued_at=now(),
        )
        db.session.add(receipt)
        db.session.flush()
        for line in notice.lines:
            if line.amount > line.instalment.outstanding:
                raise PaymentRefused(
                    _(
                        "%(what)s has only %(left)s outstanding: cancel the notice and issue "
                        "a new one.",
                        what=line.instalment.what,
                        left=line.instalment.outstanding,
                    )
                )
            book(contract, line.instalment, line.amount, on, EntrySource.receipt, receipt.id)
        text = _("Receipt %(n)s", n=receipt.number)
        journal(contract, on, notice.amount, JournalKind.receipt, user, text, receipt.id)
        notice.status = NoticeStatus.received
        excess = notice.excess_amount
        if excess > 0:
            book(contract, None, excess, on, EntrySource.receipt, receipt.id, _("Overpayment"))
            if notice.excess == Excess.refund:
                refund = _("Refund of the overpayment on %(n)s", n=receipt.number)
                book(contract, None, -excess, on, EntrySource.refund, receipt.id, refund)
                journal(contract, on, -excess, JournalKind.refund, user, refund, receipt.id)
            else:
                apply_credit(contract, on, text)
        receipt.document_id = archive_pdf(
            contract, "receipt", receipt.number, receipt_letter(company, receipt), user
        )
    return receipt


def _clawback(contract: Contract, shortfall: Decimal, on: date, receipt: Receipt) -> Decimal:
    """Take back, newest first, credit that had been moved onto instalments, until the
    credit is no longer negative; returns what could not be taken back."""
    applications = db.session.scalars(
        select(PaymentEntry)
        .where(
            PaymentEntry.contract_id == contract.id,
            PaymentEntry.source == EntrySource.credit,
            PaymentEntry.instalment_id.is_not(None),
            PaymentEntry.amount > 0,
        )
        .order_by(PaymentEntry.id.desc())
    ).all()
    text = _("Reversal of %(n)s", n=receipt.number)
    for entry in applications:
        if shortfall <= 0:
            break
        undone = db.session.scalar(
            select(func.sum(PaymentEntry.amount)).where(
                PaymentEntry.undoes_id == entry.id, PaymentEntry.instalment_id.is_not(None)
            )
        )
        take = min(entry.amount + (undone or ZERO), shortfall)
        if take <= 0:
            continue
        book(
            contract, entry.instalment, -take, on, EntrySource.reversal, receipt.id, text, entry.id
        )
        book(contract, None, take, on, EntrySource.reversal, receipt.id, text, entry.id)
        shortfall -= take
    return shortfall


def reverse_receipt(receipt: Receipt, user: User, reason: str, on: date | None = None) -> Receipt:
    """Undo a receipt (a bounced cheque, a transfer put on the wrong contract): a reversing
    journal line for the money it brought in, each instalment it paid reopened by exactly
    what it paid, its credit taken back (from the instalments that credit paid, if moved
    on). Nothing is deleted. A transfer goes back to be identified again."""
    company = company_of(receipt)
    require(user, company, REVERSE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the receipt is reversed.")]})
    on = on or today()
    with company_transaction(company):
        lock_notice(receipt.notice)
        db.session.refresh(receipt)
        if receipt.reversed_on is not None:
            raise PaymentRefused(_("Receipt %(n)s is already reversed.", n=receipt.number))
        contract = receipt.notice.contract
        text = _("Reversal of %(n)s", n=receipt.number)
        own = db.session.scalars(
            select(PaymentEntry)
            .where(
                PaymentEntry.receipt_id == receipt.id,
                PaymentEntry.source.in_((EntrySource.receipt, EntrySource.refund)),
            )
            .order_by(PaymentEntry.id)
        ).all()
        for entry in own:
            book(
                contract,
                entry.instalment,
                -entry.amount,
                on,
                EntrySource.reversal,
                receipt.id,
                text,
                entry.id,
            )
        shortfall = -credit_of(contract)
        if shortfall > 0 and _clawback(contract, shortfall, on, receipt) > 0:
            raise PaymentRefused(
                _(
                    "Credit from receipt %(n)s was already refunded: it cannot be reversed.",
                    n=receipt.number,
                )
            )
        net = db.session.scalar(
            select(func.sum(JournalLine.amount)).where(JournalLine.receipt_id == receipt.id)
        )
        journal(
            contract, on, -money(net), JournalKind.reversal, user, f"{text}: {reason}", receipt.id
        )
        receipt.reversed_on, receipt.reversed_by_id, receipt.reversal_reason = on, user.id, reason
        receipt.notice.status = NoticeStatus.reversed
        transfer = receipt.notice.transfer
        if transfer is not None:
            transfer.status, transfer.contract_id = TransferStatus.unidentified, None
    return receipt


def refund_credit(contract: Contract, user: User, amount, reason: str, on: date | None = None):
    """Finance pays back (part of) the contract's credit: a negative journal line."""
    company = company_of(contract)
    require(user, company, FINANCE)
    amount = money(amount)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the credit is refunded.")]})
    on = on or today()
    with company_transaction(company):
        credit = credit_of(contract)
        if not ZERO < amount <= credit:
            raise ValidationError({"amount": [_("Between 0 and the credit (%(c)s).", c=credit)]})
        text = _("Refund of credit: %(r)s", r=reason)
        book(contract, None, -amount, on, EntrySource.refund, text=text)
        return journal(contract, on, -amount, JournalKind.refund, user, text)


def use_credit(contract: Contract, user: User, on: date | None = None) -> Decimal:
    """The rep moves the contract's credit onto its next open instalments now."""
    company = company_of(contract)
    require(user, company, NOTICE)
    on = on or today()
    with company_transaction(company):
        moved = apply_credit(contract, on, _("Credit applied"))
    return moved
