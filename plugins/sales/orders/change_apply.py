"""Carrying out an approved change to an order (SAL-22–25).

:func:`approval_decided` runs inside the deciding approval's transaction, so units, orders and
deposits change together or, on any error, not at all: the decision itself is then refused and
the request stays pending.
"""

from flask_babel import gettext as _

from core import approvals
from core.duties import today
from core.extensions import db
from core.models import User
from plugins.sales.models import UnitState
from plugins.sales.orders import services
from plugins.sales.orders.changes import (
    COPIED,
    DOC_TYPES,
    OWNER,
    ChangeRefused,
    buyer_of,
    check_penalty,
    check_swap_unit,
    deposit_total,
    received_deposits,
    require_active,
    require_before_contract,
    swap_terms,
)
from plugins.sales.orders.models import (
    ChangeKind,
    ChangeRequest,
    ChangeStatus,
    Deposit,
    DepositStatus,
    Order,
    OrderStatus,
)
from plugins.sales.orders.services import UnitUnavailable

# --- carrying out an approved change (inside the approval's transaction) -------------------


def _approver(request) -> User:
    decisions = [d for d in request.decisions if str(d.decision) == "approve"]
    return decisions[-1].user if decisions else request.requester


def _next_version(order: Order, user: User, reason: str, **changes) -> None:
    current = order.current
    values = {name: getattr(current, name) for name in COPIED} | changes
    values["buyer_name"] = buyer_of(order)
    services._version(order, current.number + 1, values, user, reason)


def _apply_swap(change: ChangeRequest, user: User) -> None:
    order, unit, on = change.order, change.new_unit, today()
    require_before_contract(order)
    check_swap_unit(order, unit)
    values = swap_terms(order, unit, on)
    reason = _("Swap from %(old)s to %(new)s", old=order.unit.label, new=unit.label)
    if not services._take_unit(
        unit.id, (UnitState.available, UnitState.held), UnitState.subscribed, user, reason
    ):
        raise UnitUnavailable(_("Unit %(unit)s is no longer available.", unit=unit.label))
    services._release(order, user, OrderStatus.withdrawn, reason)
    new = Order(
        company_id=order.company_id,
        unit=unit,
        customer=order.customer,
        rep_id=order.rep_id,
        status=OrderStatus.active,
        ordered_on=on,
        signing_date=values["signing_date"],
        buyer_name=order.buyer_name,
        created_at=services._now(),
    )
    db.session.add(new)
    services._version(new, 1, values | {"buyer_name": buyer_of(order)}, user, reason)
    for deposit in received_deposits(order):
        deposit.status = DepositStatus.withdrawn
    db.session.add(
        Deposit(
            company_id=order.company_id,
            order=new,
            kind=values["deposit_kind"],
            amount=values["deposit"],
            received_on=on,
        )
    )
    db.session.flush()
    change.new_order = new
    change.finance_note = _(
        "Deposit %(amount)s moves from order #%(old)d (%(u1)s) to order #%(new)d (%(u2)s).",
        amount=values["deposit"],
        old=order.id,
        u1=order.unit.label,
        new=new.id,
        u2=unit.label,
    )


def _apply_refund(change: ChangeRequest, user: User) -> None:
    order, on = change.order, today()
    require_before_contract(order)
    check_penalty(order, change.penalty)
    deposit = deposit_total(order)
    services._release(order, user, OrderStatus.voided, _("Refund: %(r)s", r=change.reason))
    left = change.penalty  # kept from the first deposits received
    for receipt in received_deposits(order):
        kept = min(receipt.amount, left)
        left -= kept
        receipt.status, receipt.refunded_on = DepositStatus.voided, on
        receipt.refunded_amount = receipt.amount - kept
    change.finance_note = _(
        "Refund %(back)s of the deposit %(deposit)s; penalty %(penalty)s kept.",
        back=deposit - change.penalty,
        deposit=deposit,
        penalty=change.penalty,
    )


def _apply_rename(change: ChangeRequest, user: User) -> None:
    order = change.order
    require_active(order)
    order.buyer_name = change.new_buyer_name
    reason = _("Name change: %(old)s → %(new)s", old=change.old_buyer_name, new=order.buyer_name)
    _next_version(order, user, reason)
    change.finance_note = reason


def _apply_layout(change: ChangeRequest, user: User) -> None:
    order = change.order
    require_active(order)
    if change.fee is None:
        raise ChangeRefused(_("The cost department has not set the fee yet."))
    line = {"what": _("Layout change fee"), "due": today().isoformat(), "amount": str(change.fee)}
    reason = _("Layout change: %(d)s", d=change.description)
    _next_version(order, user, reason, schedule=[*order.current.schedule, line])
    change.finance_note = _("Collect the layout change fee %(fee)s.", fee=change.fee)


_APPLY = {
    ChangeKind.swap: _apply_swap,
    ChangeKind.refund: _apply_refund,
    ChangeKind.rename: _apply_rename,
    ChangeKind.layout: _apply_layout,
}


def approval_decided(request) -> None:
    """A change's route ended: approved carries it out (an error refuses the decision, nothing
    changes); rejected or withdrawn closes it and changes nothing else."""
    if request.owner_type != OWNER or request.doc_type not in DOC_TYPES.values():
        return
    change = db.session.get(ChangeRequest, request.owner_id)
    if change is None or change.status != ChangeStatus.pending:
        return
    if request.status == approvals.RequestStatus.approved:
        _APPLY[change.kind](change, _approver(request))
        change.status, change.applied_at = ChangeStatus.applied, services._now()
    else:
        change.status = ChangeStatus(str(request.status))
