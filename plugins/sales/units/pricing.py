"""Published prices (SAL-29): one per unit at a time, with history; repricing many units is one
price adjustment plan, approved through ``core.approvals`` and applied in one transaction.

The plan's approval outcome arrives through :func:`on_approval_decided`, which the sales
plugin's ``erp_approval_decided`` hook forwards (inside the approval's transaction).
"""

from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select, update

from core import approvals
from core.approvals import RequestStatus
from core.extensions import db
from core.models import Company, Project, User
from plugins.sales.models.units import Building, Unit, UnitState
from plugins.sales.units.models import (
    PlanStatus,
    PriceAdjustmentLine,
    PriceAdjustmentPlan,
    UnitPrice,
)

DOC_TYPE = "sales.price_adjustment"
OWNER_TYPE = PriceAdjustmentPlan.__tablename__
CENT = Decimal("0.01")
# Only units not yet sold are repriced; a sold unit's price is its order's.
REPRICEABLE = frozenset({UnitState.not_released, UnitState.available, UnitState.held})
DEFAULT_FLOW = {
    "doc_type": DOC_TYPE,
    "name": "Price adjustment plan",
    "steps": [
        {"name": "Site manager", "roles": ["site_manager"]},
        {"name": "General manager", "roles": ["gm"]},
    ],
}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def total_of(unit: Unit, unit_price: Decimal) -> Decimal:
    """The list total: the unit price per m² built-up times the built-up area."""
    return (unit_price * unit.built_area).quantize(CENT)


def first_price(unit: Unit, user: User | None, reason: str) -> UnitPrice:
    """The first published price of a new unit, from its list price and total."""
    return UnitPrice(
        company_id=unit.company_id,
        unit=unit,
        unit_price=unit.list_unit_price,
        total=unit.list_total,
        published_at=_now(),
        published_by_id=user.id if user is not None else None,
        reason=reason,
    )


def publish_price(
    unit: Unit, unit_price: Decimal, user: User | None, *, plan=None, request=None, reason=""
) -> UnitPrice:
    """Make ``unit_price`` the unit's one published price; the previous one becomes history."""
    now = _now()
    db.session.execute(
        update(UnitPrice)
        .where(UnitPrice.unit_id == unit.id, UnitPrice.superseded_at.is_(None))
        .values(superseded_at=now)
    )
    unit.list_unit_price = unit_price
    unit.list_total = total_of(unit, unit_price)
    price = UnitPrice(
        company_id=unit.company_id,
        unit_id=unit.id,
        unit_price=unit_price,
        total=unit.list_total,
        published_at=now,
        published_by_id=user.id if user is not None else None,
        plan_id=plan.id if plan is not None else None,
        approval_request_id=request.id if request is not None else None,
        reason=reason,
    )
    db.session.add(price)
    return price


def price_history(unit: Unit) -> list[UnitPrice]:
    """The unit's published prices, newest first."""
    return list(
        db.session.scalars(
            select(UnitPrice)
            .where(UnitPrice.unit_id == unit.id)
            .order_by(UnitPrice.published_at.desc(), UnitPrice.id.desc())
        )
    )


def _check_lines(project: Project, prices: dict[int, Decimal]) -> list[Unit]:
    if not prices:
        raise ValidationError({"units": [_("A plan reprices at least one unit.")]})
    units = db.session.scalars(
        select(Unit)
        .join(Building)
        .where(Unit.id.in_(prices), Building.project_id == project.id)
        .order_by(Unit.id)
    ).all()
    errors = []
    missing = set(prices) - {u.id for u in units}
    if missing:
        errors.append(_("Not units of this project: %(ids)s.", ids=sorted(missing)))
    pending = set(
        db.session.scalars(
            select(PriceAdjustmentLine.unit_id)
            .join(PriceAdjustmentPlan)
            .where(
                PriceAdjustmentLine.unit_id.in_(prices),
                PriceAdjustmentPlan.status == PlanStatus.pending,
            )
        )
    )
    for unit in units:
        if unit.state not in REPRICEABLE:
            errors.append(
                _("%(u)s is %(s)s: only unsold units are repriced.", u=unit.label, s=unit.state)
            )
        elif unit.id in pending:
            errors.append(_("%(u)s is already in a pending plan.", u=unit.label))
        elif prices[unit.id] <= 0:
            errors.append(_("%(u)s: the new price must be positive.", u=unit.label))
    if errors:
        raise ValidationError({"units": errors})
    return units


def submit_plan(
    company: Company, project: Project, prices: dict[int, Decimal], user: User, reason: str
) -> PriceAdjustmentPlan:
    """Submit a plan repricing ``prices`` (unit id → new unit price per m²) for approval.

    Commits (the approval engine commits the request); with no flow the plan is approved and
    applied at once."""
    prices = {int(k): Decimal(v).quantize(CENT) for k, v in prices.items()}
    units = _check_lines(project, prices)
    plan = PriceAdjustmentPlan(
        company_id=company.id,
        project_id=project.id,
        reason=reason,
        requested_by_id=user.id,
        created_at=_now(),
        lines=[
            PriceAdjustmentLine(
                company_id=company.id,
                unit_id=u.id,
                old_unit_price=u.list_unit_price,
                new_unit_price=prices[u.id],
                new_total=total_of(u, prices[u.id]),
            )
            for u in units
        ],
    )
    db.session.add(plan)
    db.session.flush()
    change = max(abs(prices[u.id] / u.list_unit_price - 1) * 100 for u in units)
    request = approvals.submit(
        company,
        DOC_TYPE,
        OWNER_TYPE,
        plan.id,
        {
            "project": project.name,
            "units": len(units),
            "max_change_pct": change.quantize(CENT),
            "reason": reason,
        },
        user,
    )
    plan.approval_request_id = request.id
    db.session.commit()
    return plan


def on_approval_decided(request) -> None:
    """The approval outcome of a plan: approved → applied (prices and history rows, in the
    approval's transaction); rejected or withdrawn → closed. A second call is a no-op."""
    if request.doc_type != DOC_TYPE:
        return
    plan = db.session.get(PriceAdjustmentPlan, request.owner_id)
    if plan is None or plan.status != PlanStatus.pending:
        return
    if request.status == RequestStatus.approved:
        for line in plan.lines:
            publish_price(
                line.unit,
                line.new_unit_price,
                plan.requested_by,
                plan=plan,
                request=request,
                reason=plan.reason,
            )
        plan.status = PlanStatus.applied
    elif request.status in (RequestStatus.rejected, RequestStatus.withdrawn):
        plan.status = PlanStatus(str(request.status))
    else:
        return
    plan.decided_at = _now()
    db.session.flush()


def building_plan_prices(building: Building, percent: Decimal) -> dict[int, Decimal]:
    """New unit prices for every repriceable unit of ``building``, changed by ``percent``."""
    factor = 1 + Decimal(percent) / 100
    units = db.session.scalars(
        select(Unit).where(Unit.building_id == building.id, Unit.state.in_(REPRICEABLE))
    )
    return {u.id: (u.list_unit_price * factor).quantize(CENT) for u in units}
