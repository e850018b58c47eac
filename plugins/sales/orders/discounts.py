"""Discount authority (SAL-20): the company's authority table, the approval flow built from it,
and the special-offer request (特惠申请).

The table (a sales setting, role code → highest discount % that role may grant) is turned into
the ``sales.discount`` flow: one step per role above the lowest, each applying when
``discount_pct`` exceeds the authority of the role below it. A change of the table saves a new
version of the flow; requests in flight keep the steps they were submitted with.
"""

from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import gettext as _
from marshmallow import ValidationError

from core import approvals
from core.approvals.service import role_codes
from core.extensions import db
from core.models import Company, User
from core.plugins.state import get_settings
from core.tenancy import company_scope
from plugins.sales.models import Unit
from plugins.sales.orders.models import SpecialOffer

DISCOUNT = "sales.discount"
SPECIAL_OFFER = "sales.special_offer"


def authority_table(settings: dict) -> list[tuple[str, Decimal]]:
    """``(role, limit %)`` from the lowest authority to the highest."""
    table = settings["discount_authority"]
    return sorted(((role, Decimal(str(v))) for role, v in table.items()), key=lambda x: x[1])


def discount_flow(settings: dict) -> dict:
    table = authority_table(settings)
    steps = [
        {
            "name": f"{role} (> {below} %)",
            "roles": [role],
            "condition": {"field": "discount_pct", "op": ">", "value": str(below)},
        }
        for (_lower, below), (role, _limit) in zip(table, table[1:], strict=False)
    ]
    return {"doc_type": DISCOUNT, "name": "Discount beyond the writer's authority", "steps": steps}


def default_flows(company: Company) -> list[dict]:
    flows = [
        {
            "doc_type": SPECIAL_OFFER,
            "name": "Special-offer request (特惠申请)",
            "steps": [
                {"name": "Sales department", "roles": ["site_manager"]},
                {"name": "General manager", "roles": ["gm"]},
                {"name": "Finance", "roles": ["finance"]},
            ],
        }
    ]
    if company is not None:
        flows.insert(0, discount_flow(get_settings(company, "sales")))
    return flows


def authority_changed(company: Company, old: dict, new: dict) -> None:
    """The authority table changed: the discount flow follows as a new version."""
    if old.get("discount_authority") != new.get("discount_authority"):
        approvals.save_flow(company, discount_flow(new))


def authority_of(user: User, company: Company, settings: dict) -> Decimal:
    """The highest discount % ``user`` may grant in ``company`` through their roles."""
    codes = role_codes(user, company)
    limits = [limit for role, limit in authority_table(settings) if role in codes]
    return max(limits, default=Decimal("0"))


def needs_approval(discount_pct: Decimal, user: User, company: Company, settings: dict) -> bool:
    # Every authority is at least 0 %: no discount never needs approval (nor a roles query).
    discount_pct = Decimal(discount_pct)
    return discount_pct > 0 and discount_pct > authority_of(user, company, settings)


def approved_by_authority(request, settings: dict) -> bool:
    """SAL-20 after the fact: an approved request whose approvers include one whose role
    authority covers the discount."""
    if request is None or str(request.status) != "approved":
        return False
    pct = Decimal(request.data["discount_pct"])
    limits = dict(authority_table(settings))
    for decision in request.decisions:
        if str(decision.decision) != "approve":
            continue
        roles = set(request.steps[decision.step_index]["roles"])
        if any(limits.get(r, Decimal("-1")) >= pct for r in roles):
            return True
    return False


def request_special_offer(
    company: Company, user: User, unit: Unit, discount_pct: Decimal, reason: str
) -> SpecialOffer:
    """Record a special-offer request and send it on its route; committed."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("A reason is required.")]})
    discount_pct = Decimal(discount_pct)
    if not Decimal(0) < discount_pct <= 100:
        raise ValidationError({"discount_pct": [_("Between 0 and 100.")]})
    with company_scope(company.id):
        offer = SpecialOffer(
            company_id=company.id,
            unit_id=unit.id,
            normal_price=unit.list_total,
            discount_pct=discount_pct,
            reason=reason,
            requester_id=user.id,
            created_at=datetime.now(UTC).replace(tzinfo=None),
        )
        db.session.add(offer)
        db.session.flush()
        data = {"unit": unit.label, "normal_price": unit.list_total, "discount_pct": discount_pct}
        request = approvals.submit(
            company, SPECIAL_OFFER, "sales.special_offer", offer.id, data, user
        )
        offer.approval_request_id = request.id
        db.session.commit()
    return offer
