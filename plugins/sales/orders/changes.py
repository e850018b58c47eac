"""Changes to a written order (SAL-22–25): unit swap, refund with penalty, name change and
layout change, each on its approval route: the routes, the checks, asking for a change, and
the layout change's fee and inspection.

A request is checked when submitted (refused at once where it already cannot succeed) and
again when its route completes (``change_apply``).
"""

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from core import approvals
from core.approvals.service import role_codes
from core.documents import get_document
from core.duties import today
from core.extensions import db
from core.models import Company, User
from core.plugins.state import get_settings
from core.services.transaction import company_transaction
from plugins.sales.models import Unit, UnitState
from plugins.sales.orders import services
from plugins.sales.orders.models import (
    ChangeInspection,
    ChangeKind,
    ChangeRequest,
    ChangeStatus,
    Deposit,
    DepositStatus,
    Order,
    OrderStatus,
)
from plugins.sales.orders.services import OrderRefused, UnitUnavailable

OWNER = "sales.order_change"
DOC_TYPES = {
    ChangeKind.swap: "sales.order_swap",
    ChangeKind.refund: "sales.order_refund",
    ChangeKind.rename: "sales.order_rename",
    ChangeKind.layout: "sales.order_layout",
}
# The columns of a version copied into the next one when only the buyer or the fees change.
COPIED = (
    "co_buyers",
    "list_price",
    "discount_pct",
    "price",
    "payment_method",
    "schedule",
    "deposit_kind",
    "deposit",
    "top_up_date",
    "signing_date",
)
ZERO = Decimal("0.00")


class ChangeRefused(OrderRefused):
    """A change the order's, unit's or request's state refuses (409)."""


class NotYours(ChangeRefused):
    """A step of a change the user's roles do not cover (403)."""

    status = 403


def change_flows() -> list[dict]:
    """The SPEC routes; a company edits them in the approval-flow editor."""

    def step(name, roles=None, permission=""):
        return {"name": name, "roles": roles or [], "permission": permission}

    return [
        {
            "doc_type": DOC_TYPES[ChangeKind.swap],
            "name": "Unit swap (换房)",
            "steps": [step("Site manager", ["site_manager"])],
        },
        {
            "doc_type": DOC_TYPES[ChangeKind.refund],
            "name": "Refund / cancellation (退房)",
            "steps": [
                step("Site manager", ["site_manager"]),
                step("Sales manager", permission="sales.manage"),
                step("Company head", ["gm"]),
                step("Finance", ["finance"]),
            ],
        },
        {
            "doc_type": DOC_TYPES[ChangeKind.rename],
            "name": "Name change (更名)",
            "steps": [
                step("Sales", ["site_manager"]),
                step("General manager", ["gm"]),
                step("Finance", ["finance"]),
            ],
        },
        {
            "doc_type": DOC_TYPES[ChangeKind.layout],
            "name": "Layout change (户型结构变更)",
            "steps": [
                step("Sales", ["site_manager"]),
                step("Engineering", ["engineering"]),
                step("Cost (fee)", ["cost_budget"]),
                step("Finance", ["finance"]),
                step("General manager", ["gm"]),
            ],
        },
    ]


# --- checks shared by submission and application -------------------------------------------


def _company(order: Order) -> Company:
    return db.session.get(Company, order.company_id)


def require_active(order: Order) -> None:
    if order.status != OrderStatus.active:
        raise ChangeRefused(_("Order #%(id)d is %(status)s.", id=order.id, status=order.status))


def require_before_contract(order: Order) -> None:
    """SAL-22/23: only while the unit is subscribed, i.e. before the contract is signed."""
    require_active(order)
    if order.unit.state != UnitState.subscribed:
        raise ChangeRefused(
            _(
                "Unit %(unit)s is %(state)s: allowed only before the contract is signed.",
                unit=order.unit.label,
                state=order.unit.state,
            )
        )


def received_deposits(order: Order) -> list[Deposit]:
    return [d for d in order.deposits if d.status == DepositStatus.received]


def deposit_total(order: Order) -> Decimal:
    return sum((d.amount for d in received_deposits(order)), ZERO)


def swap_terms(order: Order, unit: Unit, on: date) -> dict:
    """The new order's terms: the old ones on the new unit's price, the deposit carried."""
    current = order.current
    terms = {name: getattr(current, name) for name in services.TERMS if name != "top_up_date"}
    terms |= {"deposit": deposit_total(order), "signing_date": max(current.signing_date, on)}
    return services._terms(get_settings(_company(order), "sales"), unit, terms, on)


def check_swap_unit(order: Order, unit: Unit | None) -> None:
    if unit is None or unit.company_id != order.company_id or unit.id == order.unit_id:
        raise ValidationError({"new_unit_id": [_("Choose another unit of this company.")]})
    if unit.state not in (UnitState.available, UnitState.held):
        raise UnitUnavailable(_("Unit %(unit)s is no longer available.", unit=unit.label))


def check_penalty(order: Order, penalty: Decimal) -> None:
    deposit = deposit_total(order)
    if not ZERO <= penalty <= deposit:
        raise ValidationError(
            {"penalty": [_("The penalty lies between 0 and the deposit (%(d)s).", d=deposit)]}
        )


def _check_identities(order: Order, ids: tuple) -> None:
    """SAL-24: two distinct identity documents, both filed on this order."""
    docs = [get_document(i) if i else None for i in ids]
    if len(set(ids)) != 2 or any(
        d is None or (d.owner_type, d.owner_id) != ("sales_order", order.id) for d in docs
    ):
        raise ValidationError(
            {
                "identity": [
                    _("Two identity documents, of the old and the new buyer, filed on the order.")
                ]
            }
        )


def buyer_of(order: Order) -> str:
    return order.buyer_name or order.customer.name


# --- submission --------------------------------------------------------------------------


def request_change(order: Order, user: User, kind, values: dict) -> ChangeRequest:
    """Check a change of ``kind`` now and send it on its route; committed. ``values``: reason,
    and per kind new_unit_id / real_reason, penalty / new_buyer_name, old_identity_id,
    new_identity_id / description, fee."""
    kind = ChangeKind(kind)
    company = _company(order)
    reason = (values.get("reason") or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the customer asks for the change.")]})
    change = ChangeRequest(
        company_id=company.id,
        order=order,
        kind=kind,
        status=ChangeStatus.pending,
        reason=reason,
        requester_id=user.id,
        created_at=services._now(),
    )
    data = {"order_id": order.id, "unit": order.unit.label, "kind": str(kind), "reason": reason}
    with company_transaction(company):
        pending = db.session.scalar(
            select(ChangeRequest.id).where(
                ChangeRequest.order_id == order.id, ChangeRequest.status == ChangeStatus.pending
            )
        )
        if pending:
            raise ChangeRefused(_("Change #%(id)d of this order is still pending.", id=pending))
        data |= _CHECKS[kind](order, change, values)
        db.session.add(change)
        db.session.flush()
        request = approvals.submit(company, DOC_TYPES[kind], OWNER, change.id, data, user)
        change.approval_request_id = request.id
    return change


def _check_swap(order, change, values) -> dict:
    require_before_contract(order)
    unit = db.session.get(Unit, values.get("new_unit_id") or 0)
    check_swap_unit(order, unit)
    terms = swap_terms(order, unit, today())
    change.new_unit = unit
    return {"new_unit": unit.label, "new_price": terms["price"]}


def _check_refund(order, change, values) -> dict:
    require_before_contract(order)
    change.real_reason = (values.get("real_reason") or "").strip()
    if not change.real_reason:
        raise ValidationError({"real_reason": [_("The rep records the real reason.")]})
    change.penalty = Decimal(values.get("penalty") or 0)
    check_penalty(order, change.penalty)
    return {"penalty": change.penalty, "deposit": deposit_total(order)}


def _check_rename(order, change, values) -> dict:
    require_active(order)
    name = (values.get("new_buyer_name") or "").strip()
    if not name or name == buyer_of(order):
        raise ValidationError({"new_buyer_name": [_("Give the new buyer's name.")]})
    ids = (values.get("old_identity_id"), values.get("new_identity_id"))
    _check_identities(order, ids)
    change.old_buyer_name, change.new_buyer_name = buyer_of(order), name
    change.old_identity_id, change.new_identity_id = ids
    return {"old_buyer": change.old_buyer_name, "new_buyer": name}


def _check_layout(order, change, values) -> dict:
    require_active(order)
    change.description = (values.get("description") or "").strip()
    if not change.description:
        raise ValidationError({"description": [_("Describe the change asked for.")]})
    if values.get("fee") is not None:
        change.fee = _fee(values["fee"])
    return {"description": change.description}


_CHECKS = {
    ChangeKind.swap: _check_swap,
    ChangeKind.refund: _check_refund,
    ChangeKind.rename: _check_rename,
    ChangeKind.layout: _check_layout,
}


# --- the layout change's fee and inspection (SAL-25) ---------------------------------------


def _fee(value) -> Decimal:
    fee = Decimal(value)
    if fee < 0:
        raise ValidationError({"fee": [_("The fee cannot be negative.")]})
    return fee


def _holder(change: ChangeRequest, user: User, role: str) -> None:
    if role not in role_codes(user, _company(change.order)):
        raise NotYours(_("This needs the role %(role)s.", role=role))


def set_fee(change: ChangeRequest, user: User, fee) -> ChangeRequest:
    """The cost department (预算部) prices a pending layout change before approving its step."""
    if change.kind != ChangeKind.layout or change.status != ChangeStatus.pending:
        raise ChangeRefused(_("Only a pending layout change has a fee to set."))
    _holder(change, user, "cost_budget")
    with company_transaction(_company(change.order)):
        change.fee = _fee(fee)
    return change


def inspect(change: ChangeRequest, user: User, passed: bool, note: str = "") -> ChangeInspection:
    """Engineering inspects a carried-out layout change; a failed inspection may be repeated."""
    if change.kind != ChangeKind.layout or change.status != ChangeStatus.applied:
        raise ChangeRefused(_("Only an approved layout change is inspected."))
    _holder(change, user, "engineering")
    with company_transaction(_company(change.order)):
        inspection = ChangeInspection(
            company_id=change.company_id,
            change=change,
            passed=bool(passed),
            note=(note or "").strip(),
            inspector_id=user.id,
            inspected_at=services._now(),
        )
        db.session.add(inspection)
    return inspection
