"""Preparing a contract from an order (CS-04, SAL-18): the contract's number, terms, the
household's rep (CS-01/02) and the receivables schedule (CS-09), in one transaction.

Entry points commit (or roll back everything) themselves, as the sales services do; helpers
that other entry points call flush only.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from core.admin.labels import label
from core.duties import today
from core.extensions import db
from core.models import Company, User
from core.plugins.state import get_settings
from core.services.transaction import company_transaction
from plugins.customer_service.contracts.models import ContractNumberSequence
from plugins.customer_service.models import Contract, ContractStatus
from plugins.customer_service.models.contracts import LIVE_STATUSES
from plugins.sales.models import UnitState
from plugins.sales.orders.models import DepositStatus, Order, OrderStatus

_INSERT = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


class ContractRefused(Exception):
    """A contract action the contract's, order's or unit's state refuses (HTTP 409).
    ``fields`` names what is missing or different: ``{field: [message, ...]}``."""

    status = 409

    def __init__(self, message: str, fields: dict | None = None):
        super().__init__(message)
        self.fields = fields or {}


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def company_of(contract: Contract) -> Company:
    return db.session.get(Company, contract.company_id)


class PrepareInput(Schema):
    """What the rep adds to the order's terms when preparing the contract."""

    address = fields.String(required=True, validate=validate.Length(min=1, max=500))
    # CS-10: the termination clause's days overdue; blank: the contract has none.
    termination_days = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=365)
    )


def next_number(company: Company, on: date) -> str:
    """The next contract number ``{prefix}-YYYY-NNNNN`` of ``company``. The counter row is
    bumped by an ``UPDATE … RETURNING`` that holds its lock until the caller's transaction
    ends: numbers are unique, and a rolled-back preparation gives its number back (no gaps)."""
    prefix = get_settings(company, "customer_service")["contract_number_prefix"]
    insert = _INSERT[db.session.get_bind().dialect.name]
    db.session.execute(
        insert(ContractNumberSequence)
        .values(company_id=company.id, year=on.year, last_number=0)
        .on_conflict_do_nothing(index_elements=["company_id", "year"])
    )
    number = db.session.execute(
        update(ContractNumberSequence)
        .where(
            ContractNumberSequence.company_id == company.id,
            ContractNumberSequence.year == on.year,
        )
        .values(last_number=ContractNumberSequence.last_number + 1)
        .returning(ContractNumberSequence.last_number),
        execution_options={"synchronize_session": False},
    ).scalar_one()
    return f"{prefix}-{on.year}-{number:05d}"


def check_order(order: Order, on: date) -> None:
    """CS-04/SAL-18: a contract is prepared only from an active order, within its validity
    (its signing date not passed), whose unit is subscribed and that has no live contract."""
    if order.status != OrderStatus.active:
        raise ContractRefused(
            _("Order #%(id)d is %(status)s, not active.", id=order.id, status=label(order.status)),
            {"order_id": [_("The order is not active.")]},
        )
    if order.signing_date < on:
        raise ContractRefused(
            _(
                "Order #%(id)d was valid until its signing date %(day)s: extend the signing "
                "date on the order first.",
                id=order.id,
                day=order.signing_date.isoformat(),
            ),
            {"signing_date": [_("The order's signing date has passed.")]},
        )
    if order.unit.state != UnitState.subscribed:
        raise ContractRefused(
            _(
                "Unit %(unit)s is %(state)s, not subscribed.",
                unit=order.unit.label,
                state=label(order.unit.state),
            ),
            {"unit": [_("The unit is not subscribed.")]},
        )
    live = db.session.scalar(
        select(Contract.number).where(
            Contract.order_id == order.id, Contract.status.in_(LIVE_STATUSES)
        )
    )
    if live:
        raise ContractRefused(
            _("Order #%(id)d already has contract %(number)s.", id=order.id, number=live),
            {"order_id": [_("The order already has a contract.")]},
        )


def buyer_of(order: Order) -> str:
    version = order.current
    return version.buyer_name or order.buyer_name or order.customer.name


def prepare_contract(company: Company, user: User, order: Order, data: dict) -> Contract:
    """Prepare the draft contract of ``order`` (CS-04): price, payment method and buyer from
    the order's current version, the address and termination clause from ``data``
    (:class:`PrepareInput`), a new number, the household's rep (CS-01/02) and the
    receivables schedule from the version's schedule (CS-09). One transaction, committed;
    refused with :class:`ContractRefused` (naming the field) or ``ValidationError``."""
    values = PrepareInput().load(data)
    on = today()
    # Imported when used: the staffing and payments areas own these steps.
    from plugins.customer_service.payments.services import create_schedule
    from plugins.customer_service.staffing.services import assign_household

    with company_transaction(company):
        if order.company_id != company.id:
            raise ValidationError({"order_id": [_("No such order.")]})
        check_order(order, on)
        order_id = order.id  # named in a refusal after a failed flush, with no session to ask
        version = order.current
        household = assign_household(company, order)
        contract = Contract(
            company_id=company.id,
            number=next_number(company, on),
            order_id=order.id,
            unit_id=order.unit_id,
            customer_id=order.customer_id,
            rep_id=household.rep_id,
            status=ContractStatus.draft,
            price=version.price,
            payment_method=version.payment_method,
            buyer_name=buyer_of(order),
            address=values["address"].strip(),
            termination_days=values["termination_days"],
            annexes={},
            created_at=now(),
        )
        db.session.add(contract)
        try:
            db.session.flush()
        except IntegrityError:
            # The partial unique index: a contract for this order was prepared meanwhile.
            raise ContractRefused(
                _("Order #%(id)d already has a contract.", id=order_id),
                {"order_id": [_("The order already has a contract.")]},
            ) from None
        credit_deposits(contract, create_schedule(contract, list(version.schedule)), user)
    return contract


def credit_deposits(contract: Contract, instalments: list, user: User) -> None:
    """The deposit was received with the order (SAL-17): the instalment made from the
    schedule's deposit line (the plan's first price line, due on the order day) starts paid
    with it, or dunning would chase money the company already holds; and the money enters
    the cash journal (CS-08), so the sales ledger's "received" counts it as "paid" does.
    Once per deposit: an order whose deposits were carried already changes nothing.
    Flushes."""
    from plugins.customer_service.payments.receipts import carry_deposits
    from plugins.customer_service.payments.services import apply_payment

    order = contract.order
    received = [d for d in order.deposits if d.status == DepositStatus.received]
    total = sum((d.amount for d in received), Decimal("0.00"))
    version = order.current
    if not total or not version.deposit:
        return
    line = next((ln for ln in version.schedule if (ln.get("kind") or "payment") == "payment"), None)
    if line is None or Decimal(str(line["amount"])) != version.deposit:
        return
    target = next(
        (
            i
            for i in instalments
            if (i.what, i.due_on.isoformat(), i.amount)
            == (str(line["what"]), str(line["due"]), version.deposit)
        ),
        None,
    )
    if target is None:
        return
    amount = min(total, target.amount)
    if carry_deposits(contract, received, amount, user):
        apply_payment(target, amount, max(d.received_on for d in received))
