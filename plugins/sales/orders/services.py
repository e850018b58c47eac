"""Orders (SAL-13, SAL-15, SAL-17–20): placing one takes the unit, changes are versions,
voiding, the cooling-off refund, discount approval and the signing-date flag.

Each entry point here is one transaction and commits (or rolls back everything) itself.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError

from core import approvals
from core.duties import today
from core.extensions import db
from core.models import Company, User
from core.permissions import PermissionDenied, permissions_of
from core.plugins.state import get_settings
from core.services.transaction import company_transaction
from plugins.sales.models import Customer, Unit, UnitState
from plugins.sales.orders import VOID
from plugins.sales.orders.discounts import DISCOUNT, needs_approval
from plugins.sales.orders.models import (
    HOLDING,
    Deposit,
    DepositKind,
    DepositStatus,
    Order,
    OrderStatus,
    OrderVersion,
    PaymentMethod,
)
from plugins.sales.orders.plans import purchase_plan

OWNER = "sales.order"
# Terms a new version may change; anything else is fixed by the order itself.
TERMS = (
    "co_buyers",
    "discount_pct",
    "payment_method",
    "deposit_kind",
    "deposit",
    "top_up_date",
    "signing_date",
)


class OrderRefused(Exception):
    """An order action refused for the order's or the unit's state; maps to HTTP 409."""

    status = 409


class UnitUnavailable(OrderRefused):
    """The unit was taken by someone else (or is not on sale): SAL-13."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _deal_owner(customer: Customer, closing_rep_id: int) -> int:
    # SAL-09 ownership belongs to the leads area.
    from plugins.sales.leads.rotation import owner_for_deal

    return owner_for_deal(customer, closing_rep_id)


def _take_unit(unit_id, from_states, to_state, user, reason, current=None) -> bool:
    # Imported when used: the units area owns the state machine and its log.
    from plugins.sales.units.services import take_unit

    return take_unit(unit_id, from_states, to_state, user, reason, current=current)


def check_deposit(settings: dict, price: Decimal, kind: DepositKind, amount: Decimal) -> None:
    """SAL-17: a deposit is positive, at most 20 % of the price (Civil Code art. 586); a small
    deposit lies in the company's range."""
    amount, limit = Decimal(amount), Decimal(settings["deposit_max_pct"])
    errors = []
    if amount <= 0:
        errors.append(_("A deposit must be more than zero."))
    if amount * 100 > price * limit:
        errors.append(
            _(
                "A deposit may not exceed %(pct)s%% of the contract price (%(max)s).",
                pct=limit,
                max=(price * limit / 100).quantize(Decimal("0.01")),
            )
        )
    low, high = Decimal(settings["small_deposit_min"]), Decimal(settings["small_deposit_max"])
    if kind == DepositKind.small and not low <= amount <= high:
        errors.append(_("A small deposit lies between %(low)s and %(high)s.", low=low, high=high))
    if errors:
        raise ValidationError({"deposit": errors})


def _terms(settings: dict, unit: Unit, terms: dict, ordered_on: date) -> dict:
    """Validated terms of a version: price and schedule from the purchase plan."""
    kind = DepositKind(terms["deposit_kind"])
    plan = purchase_plan(
        settings,
        unit,
        PaymentMethod(terms["payment_method"]),
        Decimal(terms.get("discount_pct") or 0),
        ordered_on,
        Decimal(terms["deposit"]),
        **{k: terms[k] for k in ("down_pct", "loan_kind", "loan_method", "years") if terms.get(k)},
    )
    check_deposit(settings, plan.price, kind, terms["deposit"])
    signing = terms.get("signing_date") or plan.signing_date
    top_up = terms.get("top_up_date")
    if kind == DepositKind.small and top_up is None:
        top_up = ordered_on + timedelta(days=settings["small_deposit_top_up_days"])
    if signing < ordered_on:
        raise ValidationError({"signing_date": [_("The signing date is before the order.")]})
    return {
        "co_buyers": list(terms.get("co_buyers") or []),
        "list_price": plan.list_price,
        "discount_pct": plan.discount_pct,
        "price": plan.price,
        "payment_method": plan.method,
        "schedule": [line.as_dict() for line in plan.payments + plan.fees],
        "deposit_kind": kind,
        "deposit": Decimal(terms["deposit"]),
        "top_up_date": top_up if kind == DepositKind.small else None,
        "signing_date": signing,
    }


def _version(order: Order, number: int, values: dict, user: User, reason: str) -> OrderVersion:
    version = OrderVersion(
        company_id=order.company_id,
        order=order,
        number=number,
        change_reason=reason,
        created_by_id=user.id,
        created_at=_now(),
        **values,
    )
    order.version, order.signing_date = number, values["signing_date"]
    db.session.add(version)
    return version


def _ask_approval(company: Company, order: Order, version: OrderVersion, user: User) -> None:
    """Submit the discount for approval (commits with the order); an at-once approval (no
    step applies) confirms the order here, whether or not the hook already did."""
    data = {
        "order_id": order.id,
        "version": version.number,
        "unit": order.unit.label,
        "list_price": version.list_price,
        "price": version.price,
        "discount_pct": version.discount_pct,
    }
    request = approvals.submit(company, DISCOUNT, OWNER, order.id, data, user)
    if request.status == approvals.RequestStatus.approved and order.status != OrderStatus.active:
        order.status = OrderStatus.active


def place_order(company: Company, user: User, data: dict) -> Order:
    """Write an order: take the unit (available or held → subscribed) and insert the order,
    its first version and its deposit in one transaction (SAL-13/15). Raises
    :class:`UnitUnavailable` when the unit is no longer available; a discount beyond the
    writer's authority leaves the order pending approval (SAL-20)."""
    settings = get_settings(company, "sales")
    ordered_on = data.get("ordered_on") or today()
    with company_transaction(company):
        unit = db.session.get(Unit, data["unit_id"])
        customer = db.session.get(Customer, data["customer_id"])
        errors = {}
        if unit is None or unit.company_id != company.id:
            errors["unit_id"] = [_("No such unit.")]
        if customer is None or customer.company_id != company.id:
            errors["customer_id"] = [_("No such customer.")]
        if errors:
            raise ValidationError(errors)
        values = _terms(settings, unit, data, ordered_on)
        # Read before taking the unit: a query then would flush the state-change log on its
        # own, and the log, the order, its version and deposit are written in one flush.
        rep_id = data.get("rep_id") or _deal_owner(customer, user.id)
        approval = needs_approval(values["discount_pct"], user, company, settings)
        reason = _("Order for %(customer)s", customer=customer.code)
        states = (UnitState.available, UnitState.held)
        if not _take_unit(unit.id, states, UnitState.subscribed, user, reason, unit.state):
            raise UnitUnavailable(_("Unit %(unit)s is no longer available.", unit=unit.label))
        order = Order(
            company_id=company.id,
            unit=unit,
            customer=customer,
            rep_id=rep_id,
            status=OrderStatus.pending_approval if approval else OrderStatus.active,
            ordered_on=ordered_on,
            signing_date=values["signing_date"],
            created_at=_now(),
        )
        db.session.add(order)
        version = _version(order, 1, values, user, "")
        db.session.add(
            Deposit(
                company_id=company.id,
                order=order,
                kind=values["deposit_kind"],
                amount=values["deposit"],
                received_on=ordered_on,
            )
        )
        try:
            db.session.flush()
        except IntegrityError:
            # The partial unique index: another order holds the unit (belt and braces).
            raise UnitUnavailable(
                _("Unit %(unit)s is no longer available.", unit=unit.label)
            ) from None
        if approval:
            _ask_approval(company, order, version, user)
    return order


def revise_order(order: Order, user: User, changes: dict, reason: str) -> OrderVersion:
    """A change to an order is a new version (SAL-17); the old one stays read-only. An
    extension of the signing date is such a change (SAL-18). A discount beyond the writer's
    authority sends the order back to approval."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the order changes.")]})
    company = db.session.get(Company, order.company_id)
    settings = get_settings(company, "sales")
    with company_transaction(company):
        if order.status not in HOLDING:
            raise OrderRefused(_("Order #%(id)d is %(status)s.", id=order.id, status=order.status))
        current = order.current
        terms = {name: getattr(current, name) for name in TERMS} | {
            k: v for k, v in changes.items() if v is not None
        }
        values = _terms(settings, order.unit, terms, order.ordered_on)
        version = _version(order, current.number + 1, values, user, reason)
        if order.flagged_on is not None and order.signing_date >= today():
            # SAL-18: extended, the order is valid again; the duty settles its flag's task.
            order.flagged_on = None
        db.session.flush()
        if needs_approval(values["discount_pct"], user, company, settings):
            order.status = OrderStatus.pending_approval
            _ask_approval(company, order, version, user)
        else:
            order.status = OrderStatus.active
    return version


def _release(order: Order, user: User, status: OrderStatus, reason: str) -> None:
    if order.status not in HOLDING:
        raise OrderRefused(_("Order #%(id)d is %(status)s.", id=order.id, status=order.status))
    if not _take_unit(order.unit_id, {UnitState.subscribed}, UnitState.available, user, reason):
        raise OrderRefused(
            _(
                "Unit %(unit)s is past subscription (contract signed?): cancel the contract.",
                unit=order.unit.label,
            )
        )
    order.status = status
    order.closed_at, order.closed_by_id, order.close_reason = _now(), user.id, reason


def void_order(order: Order, user: User, reason: str) -> Order:
    """SAL-17: only the site manager voids an order, with a recorded reason; the unit returns
    to available."""
    company = db.session.get(Company, order.company_id)
    if VOID not in permissions_of(user, company):
        raise PermissionDenied(VOID)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("A reason is required to void an order.")]})
    with company_transaction(company):
        _release(order, user, OrderStatus.voided, reason)
    return order


def cooling_off_ends(settings: dict, order: Order) -> date | None:
    """The last day of the cooling-off refund, or None when the company has none (SAL-19)."""
    if not settings["cooling_off_enabled"]:
        return None
    return order.ordered_on + timedelta(days=settings["cooling_off_days"])


def cooling_off_refund(order: Order, user: User, on: date | None = None) -> Order:
    """SAL-19: within the cooling-off days the customer cancels with the full deposit back, no
    reason and no approval; the unit returns to available."""
    company = db.session.get(Company, order.company_id)
    on = on or today()
    last = cooling_off_ends(get_settings(company, "sales"), order)
    if last is None:
        raise OrderRefused(_("This company has no cooling-off refund."))
    if on > last:
        raise OrderRefused(_("The cooling-off period ended on %(day)s.", day=last.isoformat()))
    with company_transaction(company):
        _release(order, user, OrderStatus.refunded, _("Cooling-off refund"))
        for deposit in order.deposits:
            deposit.refunded_on, deposit.refunded_amount = on, deposit.amount
            deposit.status = DepositStatus.refunded
    return order


def approval_decided(request) -> None:
    """The discount approval of an order ended (runs in the deciding transaction): approved
    confirms the order; rejected or withdrawn releases the unit. A decision about a version
    that is no longer current changes nothing."""
    if request.doc_type != DISCOUNT or request.owner_type != OWNER:
        return
    order = db.session.get(Order, request.owner_id)
    if order is None or order.status != OrderStatus.pending_approval:
        return
    if request.data.get("version") != order.version:
        return
    if request.status == approvals.RequestStatus.approved:
        order.status = OrderStatus.active
        return
    reason = _("Discount %(status)s", status=request.status)
    _release(order, request.requester, OrderStatus.rejected, reason)
