"""Pre-sale registration (备案, CS-06): the company's condition (price paid in full, or for a
mortgage the full down payment; the contract complete and stamped), registering (the unit
goes contracted → registered), the statutory 30-day online-filing clock from signing and the
contracts at risk, and the contract ledger.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from core.admin.labels import label
from core.duties import today
from core.extensions import db
from core.models import Company, User
from core.plugins.state import get_settings
from core.services.transaction import company_transaction
from plugins.customer_service.contracts.services import ContractRefused, company_of
from plugins.customer_service.contracts.signing import missing_annexes
from plugins.customer_service.models import (
    Contract,
    ContractStatus,
    Instalment,
    InstalmentKind,
)
from plugins.sales.models import UnitState
from plugins.sales.orders.models import PaymentMethod

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PaymentPosition:
    """What must be paid before registration (``part``: "price" or "down_payment") and what
    was paid towards it."""

    part: str
    due: Decimal
    paid: Decimal

    @property
    def complete(self) -> bool:
        return self.paid >= self.due


def down_payment_lines(instalments: list[Instalment], price: Decimal) -> list[Instalment]:
    """The down payment of a mortgage contract: its live price instalments (neither taxes and
    fees, engineering changes, advances nor those a payment-method change superseded) before
    the loan. The purchase plan writes the price lines in order, deposit, due at signing,
    then the loan paid by the bank, which completes the price, and the schedule numbers them
    so (a method change adds the new plan's lines after the kept ones); so the loan is the
    instalment at which the running total of the price instalments, by ``seq``, reaches the
    price."""
    live = sorted(
        (i for i in instalments if i.kind == InstalmentKind.payment and i.superseded_on is None),
        key=lambda i: i.seq,
    )
    total, before = ZERO, []
    for instalment in live:
        if total + instalment.amount >= price:
            return before
        total += instalment.amount
        before.append(instalment)
    return before


def payment_position(contract: Contract) -> PaymentPosition:
    """What the receivables schedule (CS-09, the source of truth: it follows a change of
    payment method) says must be paid first. Full payment and instalments: the price against
    everything paid on the price's instalments. Mortgage: the down-payment instalments
    against what was paid on them."""
    if contract.payment_method != PaymentMethod.mortgage:
        payments = [i for i in contract.instalments if i.kind == InstalmentKind.payment]
        return PaymentPosition("price", contract.price, sum((i.paid for i in payments), ZERO))
    down = down_payment_lines(contract.instalments, contract.price)
    return PaymentPosition(
        "down_payment", sum((i.amount for i in down), ZERO), sum((i.paid for i in down), ZERO)
    )


def registration_problems(contract: Contract) -> dict[str, list[str]]:
    """Why ``contract`` cannot be registered now, by field (empty: it can)."""
    problems: dict[str, list[str]] = {}
    if contract.status != ContractStatus.signed:
        problems["status"] = [_("Only a signed contract is registered.")]
    position = payment_position(contract)
    if not position.complete:
        message = (
            _(
                "The price is not paid in full: %(paid)s of %(due)s.",
                paid=position.paid,
                due=position.due,
            )
            if position.part == "price"
            else _(
                "The down payment is not paid in full: %(paid)s of %(due)s.",
                paid=position.paid,
                due=position.due,
            )
        )
        problems["paid"] = [message]
    missing = missing_annexes(contract)
    if missing:
        problems["annexes"] = [_("The contract is incomplete: annexes missing.")]
    if not contract.stamped:
        problems["stamped"] = [_("The contract is not stamped.")]
    return problems


def register_contract(contract: Contract, user: User, on: date | None = None) -> Contract:
    """Register (备案): refused with :class:`ContractRefused` giving the reasons; otherwise
    ``registered_on`` is set, the contract is registered and the unit goes contracted →
    registered (sales control, logged), in one transaction."""
    # Imported when used: the units area owns the state machine and its log.
    from plugins.sales.units.services import take_unit

    on = on or today()
    problems = registration_problems(contract)
    if problems:
        raise ContractRefused(
            _(
                "Contract %(number)s cannot be registered: %(why)s",
                number=contract.number,
                why=" ".join(m for messages in problems.values() for m in messages),
            ),
            problems,
        )
    if on < contract.signed_on:
        raise ContractRefused(
            _("Registration cannot precede the signing."),
            {"registered_on": [_("Before the signing date.")]},
        )
    with company_transaction(company_of(contract)):
        reason = _("Contract %(number)s registered", number=contract.number)
        if not take_unit(
            contract.unit_id, {UnitState.contracted}, UnitState.registered, user, reason
        ):
            raise ContractRefused(
                _(
                    "Unit %(unit)s is %(state)s, not contracted.",
                    unit=contract.unit.label,
                    state=label(contract.unit.state),
                ),
                {"unit": [_("The unit is not contracted.")]},
            )
        contract.status, contract.registered_on = ContractStatus.registered, on
    return contract


# --- the statutory online-filing clock ------------------------------------------------------


@dataclass(frozen=True)
class FilingClock:
    contract: Contract
    deadline: date
    days_left: int  # negative: overdue

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def filing_deadline(contract: Contract, settings: dict) -> date | None:
    """The statutory filing deadline: the signing day plus the law's days (calendar days)."""
    if contract.signed_on is None:
        return None
    return contract.signed_on + timedelta(days=settings["statutory_filing_days"])


def filing_clock(contract: Contract, settings: dict, on: date) -> FilingClock | None:
    """The clock of a signed contract not yet registered; ``None`` when it is not running."""
    deadline = filing_deadline(contract, settings)
    if deadline is None or contract.status != ContractStatus.signed:
        return None
    return FilingClock(contract, deadline, (deadline - on).days)


def at_risk(company: Company, on: date | None = None) -> list[FilingClock]:
    """Signed contracts not yet registered whose statutory filing deadline is at most
    ``filing_risk_days`` away, or passed; the most urgent first."""
    on = on or today()
    settings = get_settings(company, "customer_service")
    last_signing = (
        on
        + timedelta(days=settings["filing_risk_days"])
        - timedelta(days=settings["statutory_filing_days"])
    )
    contracts = db.session.scalars(
        select(Contract)
        .where(
            Contract.company_id == company.id,
            Contract.status == ContractStatus.signed,
            Contract.signed_on <= last_signing,
        )
        .order_by(Contract.signed_on, Contract.id)
    )
    return [filing_clock(c, settings, on) for c in contracts]
