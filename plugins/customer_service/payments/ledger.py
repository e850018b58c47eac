"""What the money shows (CS-08, CS-09): the receivables ledger (every instalment, filtered),
the sales ledger (销售台帐: per contract price, received, outstanding), the cash journal
(销售流水帐) and the customer card. Read-only queries over the rows payments write."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from marshmallow import ValidationError, fields
from sqlalchemy import case, func, select

from core.duties import today
from core.extensions import db
from plugins.customer_service.models import Contract, Instalment
from plugins.customer_service.payments.models import (
    Advance,
    JournalLine,
    PaymentEntry,
    PaymentNotice,
    Receipt,
)
from plugins.customer_service.payments.services import ZERO, money
from plugins.sales.models import Building, Customer, Unit


def _int(args, name, errors):
    value = args.get(name)
    if value in (None, ""):
        return None
    if not str(value).isdigit():
        errors[name] = ["must be an integer"]
        return None
    return int(value)


def _date(args, name, errors):
    value = args.get(name)
    if not value:
        return None
    try:
        return fields.Date().deserialize(value)
    except ValidationError:
        errors[name] = ["must be a date YYYY-MM-DD"]
        return None


def receivables_query(args, on: date | None = None):
    """Instalments with filters: ``overdue=1`` (unpaid past due on ``on``, default today),
    ``due_by`` (unpaid, due on or before), ``open=1``, ``project_id``, ``rep_id``,
    ``contract_id``, ``customer_id``, ``kind``. Oldest due first. Instalments a
    payment-method change superseded (CS-05) are not on the schedule any more."""
    on = on or today()
    errors = {}
    query = (
        select(Instalment)
        .join(Contract, Contract.id == Instalment.contract_id)
        .join(Unit, Unit.id == Instalment.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(Instalment.superseded_on.is_(None))
        .order_by(Instalment.due_on, Instalment.contract_id, Instalment.seq)
    )
    for name, column in (
        ("project_id", Building.project_id),
        ("rep_id", Contract.rep_id),
        ("contract_id", Instalment.contract_id),
        ("customer_id", Instalment.customer_id),
    ):
        value = _int(args, name, errors)
        if value is not None:
            query = query.where(column == value)
    if args.get("overdue") in ("1", "true", True):
        query = query.where(Instalment.settled.is_(False), Instalment.due_on < on)
    if args.get("open") in ("1", "true", True):
        query = query.where(Instalment.settled.is_(False))
    due_by = _date(args, "due_by", errors)
    if due_by is not None:
        query = query.where(Instalment.settled.is_(False), Instalment.due_on <= due_by)
    if args.get("kind"):
        query = query.where(Instalment.kind == args["kind"])
    if errors:
        raise ValidationError(errors)
    return query


def journal_query(args):
    """Cash journal lines, filters ``from``, ``to`` (dates), ``project_id``,
    ``contract_id``; in date order."""
    errors = {}
    query = select(JournalLine).order_by(JournalLine.booked_on, JournalLine.id)
    start, end = _date(args, "from", errors), _date(args, "to", errors)
    if start:
        query = query.where(JournalLine.booked_on >= start)
    if end:
        query = query.where(JournalLine.booked_on <= end)
    for name, column in (
        ("project_id", JournalLine.project_id),
        ("contract_id", JournalLine.contract_id),
    ):
        value = _int(args, name, errors)
        if value is not None:
            query = query.where(column == value)
    if errors:
        raise ValidationError(errors)
    return query


def total(rows, attribute: str = "amount") -> Decimal:
    return sum((getattr(r, attribute) for r in rows), ZERO)


@dataclass
class LedgerRow:
    """A line of the sales ledger (销售台帐): one contract."""

    contract: Contract
    price: Decimal
    billed: Decimal  # every instalment: price, fees, changes, advances
    # Net cash in: the order's deposit and receipts, less refunds and reversals (the journal).
    received: Decimal
    credit: Decimal
    outstanding: Decimal
    overdue: Decimal

    @property
    def paid(self) -> Decimal:
        """Paid on the instalments, by any means: the order's deposit, receipts, credit."""
        return self.billed - self.outstanding


def sales_ledger(args, on: date | None = None) -> list[LedgerRow]:
    """One row per contract (filters ``project_id``, ``rep_id``, ``contract_id``)."""
    on = on or today()
    errors = {}
    instalments = (
        select(
            Instalment.contract_id.label("cid"),
            func.sum(Instalment.amount).label("billed"),
            func.sum(Instalment.amount - Instalment.paid).label("outstanding"),
            func.sum(
                case(
                    (
                        (Instalment.due_on < on) & Instalment.settled.is_(False),
                        Instalment.amount - Instalment.paid,
                    ),
                    else_=0,
                )
            ).label("overdue"),
        )
        .group_by(Instalment.contract_id)
        .subquery()
    )
    cash = (
        select(JournalLine.contract_id.label("cid"), func.sum(JournalLine.amount).label("net"))
        .group_by(JournalLine.contract_id)
        .subquery()
    )
    credit = (
        select(PaymentEntry.contract_id.label("cid"), func.sum(PaymentEntry.amount).label("c"))
        .where(PaymentEntry.instalment_id.is_(None))
        .group_by(PaymentEntry.contract_id)
        .subquery()
    )
    query = (
        select(
            Contract,
            instalments.c.billed,
            instalments.c.outstanding,
            instalments.c.overdue,
            cash.c.net,
            credit.c.c,
        )
        .join(Unit, Unit.id == Contract.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .outerjoin(instalments, instalments.c.cid == Contract.id)
        .outerjoin(cash, cash.c.cid == Contract.id)
        .outerjoin(credit, credit.c.cid == Contract.id)
        .order_by(Contract.number)
    )
    for name, column in (
        ("project_id", Building.project_id),
        ("rep_id", Contract.rep_id),
        ("contract_id", Contract.id),
    ):
        value = _int(args, name, errors)
        if value is not None:
            query = query.where(column == value)
    if errors:
        raise ValidationError(errors)
    return [
        LedgerRow(
            c, c.price, money(b or 0), money(n or 0), money(cr or 0), money(o or 0), money(d or 0)
        )
        for c, b, o, d, n, cr in db.session.execute(query)
    ]


@dataclass
class ContractCard:
    contract: Contract
    instalments: list[Instalment]
    ledger: LedgerRow
    entries: list[PaymentEntry] = field(default_factory=list)
    advances: list[Advance] = field(default_factory=list)


@dataclass
class CustomerCard:
    """The customer card (客户卡): each contract's schedule and the money on it (CS-09)."""

    customer: Customer
    contracts: list[ContractCard]
    notices: list[PaymentNotice]
    receipts: list[Receipt]
    journal: list[JournalLine]


def customer_card(customer: Customer, on: date | None = None) -> CustomerCard:
    contracts = db.session.scalars(
        select(Contract).where(Contract.customer_id == customer.id).order_by(Contract.id)
    ).all()
    cards = []
    for contract in contracts:
        (row,) = sales_ledger({"contract_id": str(contract.id)}, on)
        cards.append(
            ContractCard(
                contract,
                list(db.session.scalars(receivables_query({"contract_id": str(contract.id)}))),
                row,
                list(
                    db.session.scalars(
                        select(PaymentEntry)
                        .where(PaymentEntry.contract_id == contract.id)
                        .order_by(PaymentEntry.id)
                    )
                ),
                list(
                    db.session.scalars(
                        select(Advance)
                        .where(Advance.contract_id == contract.id)
                        .order_by(Advance.id)
                    )
                ),
            )
        )
    ids = [c.id for c in contracts] or [0]
    return CustomerCard(
        customer,
        cards,
        list(
            db.session.scalars(
                select(PaymentNotice)
                .where(PaymentNotice.contract_id.in_(ids))
                .order_by(PaymentNotice.id)
            )
        ),
        list(
            db.session.scalars(
                select(Receipt).where(Receipt.contract_id.in_(ids)).order_by(Receipt.id)
            )
        ),
        list(db.session.scalars(journal_query({}).where(JournalLine.contract_id.in_(ids)))),
    )
