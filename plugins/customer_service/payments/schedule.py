"""Rewriting the receivables schedule (CS-09) when the contract's payment method changes
(CS-05): the ledger is the source of truth for dunning, so it must follow the new method.

The paid price instalments stay as they are, and so do the other kinds (taxes and fees,
engineering changes, advances); a partly paid one is closed at what was paid, its unpaid rest
going over to the new plan. The unpaid price instalments are superseded: kept, since dunning
steps, tasks, notices and letters may refer to them, but with nothing left to ask (amount 0,
settled, ``superseded_on`` set), so the dunning scan, the sums of the ledgers and every "open"
query pass them by and the receivables list hides them. New instalments take their place,
from the new method's plan with the money already paid counted against its first lines (so a
change from full payment to a mortgage always gets its loan line). Flushes, never commits: a
step of the change's approval.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from core.extensions import db
from plugins.customer_service.dunning.models import Step
from plugins.customer_service.dunning.services import close_tasks_of
from plugins.customer_service.models import Contract, Instalment, InstalmentKind
from plugins.customer_service.payments.services import (
    ZERO,
    apply_credit,
    claimed,
    create_schedule,
    money,
)

# The schedule follows the payment method: its refusals name that term.
FIELD = "payment_method"


@dataclass(frozen=True)
class Line:
    """An instalment of the schedule as the change records it."""

    seq: int
    what: str
    due_on: date
    amount: str

    def __str__(self) -> str:
        return f"#{self.seq} {self.what} {self.due_on.isoformat()} {self.amount}"


def _line(instalment: Instalment) -> Line:
    return Line(instalment.seq, instalment.what, instalment.due_on, str(instalment.amount))


def _price_instalments(contract: Contract) -> list[Instalment]:
    """The contract's price instalments still on the schedule, locked and fresh: a payment
    booked meanwhile waits for the rewrite, or is seen by it."""
    return list(
        db.session.scalars(
            select(Instalment)
            .where(
                Instalment.contract_id == contract.id,
                Instalment.kind == InstalmentKind.payment,
                Instalment.superseded_on.is_(None),
            )
            .order_by(Instalment.seq)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def _refuse(message: str):
    raise ValidationError({FIELD: [message]})


def _check_replaceable(contract: Contract, replaced: list[Instalment]) -> None:
    """Money on its way and a unit held back for non-payment belong to the old schedule."""
    taken = claimed(contract)
    for instalment in replaced:
        if instalment.id in taken:
            _refuse(
                _(
                    "%(what)s is claimed by a payment notice not yet received: receive or "
                    "cancel the notice first.",
                    what=instalment.what,
                )
            )
        if instalment.dunning_step >= Step.pre_release:
            _refuse(
                _(
                    "%(what)s has put the unit in pre-release for non-payment (CS-10): it "
                    "must be paid before the payment method changes.",
                    what=instalment.what,
                )
            )


def _remaining(lines: list[dict], covered) -> list[dict]:
    """The plan's price ``lines`` (in plan order) less ``covered`` (at most their sum), taken
    from the first lines: those it covers drop out, the one it reaches keeps what is left."""
    left, rest = money(covered), []
    for line in lines:
        amount = money(line["amount"])
        if left >= amount:
            left -= amount
            continue
        rest.append({**line, "amount": str(amount - left)})
        left = ZERO
    return rest


def rewrite_schedule(
    contract: Contract, lines: list[dict], on: date, why: str
) -> tuple[list[Line], list[Line]]:
    """Make the contract's price instalments follow ``lines`` (the new method's purchase-plan
    price lines, ``PlanLine.as_dict``, summing to the contract's price) from ``on``, the
    day the change applies. Returns the open price instalments as they were and those
    added. A line the plan dates before ``on`` falls due on ``on``: the customer cannot have
    been late on a schedule that did not exist. Refused (``ValidationError``
    naming ``payment_method``) while an open price instalment is claimed by an issued notice
    or has put the unit in pre-release."""
    if sum((money(line["amount"]) for line in lines), ZERO) != contract.price:
        raise ValueError(f"the plan's lines do not sum to the price of {contract.number}")
    rows = _price_instalments(contract)
    open_rows = [i for i in rows if not i.settled]
    replaced = [i for i in open_rows if i.paid == 0]
    _check_replaceable(contract, open_rows)
    before = [_line(i) for i in open_rows]
    for instalment in open_rows:
        if instalment.paid:  # partly paid: what was paid stays, the rest is replanned
            instalment.amount = instalment.paid
            instalment.settled, instalment.settled_on = True, on
    covered = sum((i.amount for i in rows if i not in replaced), ZERO)
    if covered > contract.price:
        _refuse(_("The paid instalments ask more than the contract's price."))
    rest = _remaining(lines, covered)
    for instalment in replaced:
        instalment.amount, instalment.settled = ZERO, True
        instalment.settled_on = instalment.superseded_on = on
    close_tasks_of([i.id for i in replaced], on, why)
    added = create_schedule(
        contract, [{**line, "due": max(date.fromisoformat(line["due"]), on)} for line in rest]
    )
    apply_credit(contract, on, why)
    return before, [_line(i) for i in added]
