"""Customer service's order review (SAL-21): each check passes or fails with a note.

The system proposes each check from the data; the reviewer confirms or overrides it (with a
note) and the review is recorded against the order's current version.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import approvals
from core.extensions import db
from core.models import Company, User
from core.plugins.state import get_settings
from core.tenancy import company_scope
from plugins.sales.models import UnitState
from plugins.sales.orders.discounts import approved_by_authority, authority_of
from plugins.sales.orders.models import DepositKind, Order, OrderReview, OrderStatus
from plugins.sales.orders.plans import price_after

CHECKS = {
    "unit_state": _l("Unit state"),
    "unit_number": _l("Unit number"),
    "discount_approval": _l("Discount approval"),
    "payment": _l("Payment method and dates"),
    "area": _l("Area"),
    "arithmetic": _l("Total arithmetic"),
    "contact": _l("Contact details"),
    "deposit_received": _l("Deposit received"),
}


def _discount_request(order: Order):
    requests = [
        r
        for r in approvals.history("sales.order", order.id)
        if r.data.get("version") == order.version
    ]
    return requests[-1] if requests else None


def _check_discount(order: Order, settings: dict) -> tuple[bool, str]:
    version = order.current
    pct, company = version.discount_pct, db.session.get(Company, order.company_id)
    if pct <= authority_of(version.created_by, company, settings):
        return True, _("%(pct)s %% is within the writer's authority.", pct=pct)
    if approved_by_authority(_discount_request(order), settings):
        return True, _("%(pct)s %% approved by a role with that authority.", pct=pct)
    return False, _("%(pct)s %% has no approval by a role with that authority.", pct=pct)


def _check_payment(order: Order) -> tuple[bool, str]:
    v = order.current
    dues = [date.fromisoformat(line["due"]) for line in v.schedule]
    if not dues:
        return False, _("No payment schedule.")
    if min(dues) < order.ordered_on:
        return False, _("A payment falls due before the order date.")
    if v.deposit_kind == DepositKind.small and v.top_up_date is None:
        return False, _("A small deposit needs a top-up date.")
    return True, _("%(method)s, signing on %(day)s.", method=v.payment_method, day=v.signing_date)


def _check_arithmetic(order: Order) -> tuple[bool, str]:
    v = order.current
    expected = price_after(v.list_price, v.discount_pct)
    paid = sum(
        (Decimal(line["amount"]) for line in v.schedule if line.get("kind") == "payment"),
        Decimal("0.00"),
    )
    if v.price != expected:
        return False, _("Price %(price)s, expected %(expected)s.", price=v.price, expected=expected)
    if paid != v.price:
        return False, _("Payments add up to %(paid)s, not %(price)s.", paid=paid, price=v.price)
    return True, _(
        "%(list)s − %(pct)s %% = %(price)s.", list=v.list_price, pct=v.discount_pct, price=v.price
    )


def proposed_checks(order: Order) -> list[dict]:
    """Each SAL-21 check as the data answers it: ``{key, label, passed, note}``."""
    settings = get_settings(db.session.get(Company, order.company_id), "sales")
    unit, v = order.unit, order.current
    held = order.status == OrderStatus.active and unit.state in (
        UnitState.subscribed,
        UnitState.contracted,
    )
    received = sum((d.amount - d.refunded_amount for d in order.deposits), Decimal("0.00"))
    phone = (order.customer.phone or "").strip()
    results = {
        "unit_state": (held, _("Order %(o)s, unit %(u)s.", o=order.status, u=unit.state)),
        "unit_number": (bool(unit.room) and unit.floor is not None, unit.label),
        "discount_approval": _check_discount(order, settings),
        "payment": _check_payment(order),
        "area": (
            unit.built_area > 0 and 0 < unit.usable_area <= unit.built_area,
            _("Built %(b)s m², usable %(u)s m².", b=unit.built_area, u=unit.usable_area),
        ),
        "arithmetic": _check_arithmetic(order),
        "contact": (len(phone) >= 7, phone or _("No phone number.")),
        "deposit_received": (
            received >= v.deposit,
            _("%(got)s received of %(due)s.", got=received, due=v.deposit),
        ),
    }
    return [
        {"key": key, "label": str(label), "passed": bool(results[key][0]), "note": results[key][1]}
        for key, label in CHECKS.items()
    ]


def record_review(order: Order, user: User, overrides: dict | None = None) -> OrderReview:
    """Record a review of ``order``: the proposed checks with the reviewer's ``overrides``
    (key → ``{"passed": bool, "note": str}``); committed."""
    checks = proposed_checks(order)
    for check in checks:
        given = (overrides or {}).get(check["key"])
        if given:
            check["passed"] = bool(given.get("passed", check["passed"]))
            check["note"] = given.get("note") or check["note"]
    with company_scope(order.company_id):
        review = OrderReview(
            company_id=order.company_id,
            order=order,
            version=order.version,
            reviewer_id=user.id,
            reviewed_at=datetime.now(UTC).replace(tzinfo=None),
            checks=checks,
            passed=all(c["passed"] for c in checks),
        )
        db.session.add(review)
        db.session.commit()
    return review
