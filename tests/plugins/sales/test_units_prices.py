"""SAL-29: one published price per unit with its history, release per pre-sale permit, and
price adjustment plans approved as one request (site manager → GM) and applied together."""

from datetime import datetime
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.approvals import ApprovalRequest, RequestStatus, approve, install_default_flows, reject
from core.extensions import db
from plugins.sales.models.units import UnitState
from plugins.sales.units import on_approval_decided, pricing, services
from plugins.sales.units.models import PlanStatus, PriceAdjustmentPlan, UnitPrice
from tests.conftest import login
from tests.plugins.sales.units_setup import site_fixture  # noqa: F401

S = UnitState


def current_prices(unit_id) -> list[UnitPrice]:
    return list(
        db.session.scalars(
            select(UnitPrice).where(UnitPrice.unit_id == unit_id, UnitPrice.superseded_at.is_(None))
        )
    )


def decide(request, user, fn=approve, comment=""):
    """Decide, then deliver the outcome as the sales plugin's erp_approval_decided hook does
    (a second delivery is a no-op, so this holds whether or not the hook is wired yet)."""
    if comment:
        fn(request, user, comment)
    else:
        fn(request, user)
    on_approval_decided(request)
    db.session.commit()


def building(site, name):
    return [u for u in site.units if u.building.name == name]


def test_sal29_all_units_of_a_permit_released_together(site):
    one = building(site, "1#")
    with pytest.raises(services.ReleaseRefused, match="partial release"):
        services.release_permit(site.project_a, "YS-2026-01", site.controller, [one[0].id])
    db.session.rollback()
    assert {u.state for u in one} == {S.not_released}
    n = services.release_permit(site.project_a, "YS-2026-01", site.controller, [u.id for u in one])
    db.session.commit()
    assert n == 12 and {u.state for u in one} == {S.available}
    assert {u.state for u in building(site, "2#")} == {S.not_released}  # another permit
    with pytest.raises(services.ReleaseRefused, match="no unit waiting"):
        services.release_permit(site.project_a, "YS-2026-01", site.controller)


def test_sal29_release_screen_releases_the_whole_permit(site, client):
    login(client, "ctl-a@example.com")
    page = client.get("/admin/sales_permits/")
    assert "YS-2026-02" in page.text
    response = client.post(
        "/admin/sales_permits/release",
        data={"project": site.project_a.id, "permit": "YS-2026-02"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert {u.state for u in building(site, "2#")} == {S.available}


def test_sal29_one_published_price_per_unit(site):
    unit = site.units[0]
    assert len(current_prices(unit.id)) == 1
    db.session.add(
        UnitPrice(
            company_id=site.a.id,
            unit_id=unit.id,
            unit_price=Decimal("1"),
            total=Decimal("100"),
            published_at=datetime(2026, 1, 1),
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_sal29_price_plan_approved_by_site_manager_then_gm_applied_with_history(site):
    install_default_flows(site.a)
    units = building(site, "1#")
    prices = pricing.building_plan_prices(units[0].building, Decimal("-2"))
    plan = pricing.submit_plan(site.a, site.project_a, prices, site.controller, "slow sales")
    request = db.session.get(ApprovalRequest, plan.approval_request_id)
    assert [s["roles"] for s in request.steps] == [["site_manager"], ["gm"]]
    decide(request, site.admin_a)  # the site manager
    db.session.refresh(units[0])
    assert units[0].list_unit_price == Decimal("10000.00")  # not yet: the GM decides next
    decide(request, site.gm)
    assert request.status == RequestStatus.approved
    db.session.expire_all()
    plan = db.session.get(PriceAdjustmentPlan, plan.id)
    assert plan.status == PlanStatus.applied
    for unit in units:
        assert (unit.list_unit_price, unit.list_total) == (Decimal("9800.00"), Decimal("980000.00"))
        history = pricing.price_history(unit)
        assert [p.unit_price for p in history] == [Decimal("9800.00"), Decimal("10000.00")]
        assert history[0].approval_request_id == request.id
        assert history[0].published_by_id == site.controller.id
        assert len(current_prices(unit.id)) == 1
    on_approval_decided(request)  # delivered twice: still one new price per unit
    assert db.session.scalar(select(func.count()).select_from(UnitPrice)) == 24 + 12


def test_sal29_rejected_plan_changes_no_price(site):
    install_default_flows(site.a)
    units = building(site, "2#")
    prices = {u.id: Decimal("15000") for u in units}
    plan = pricing.submit_plan(site.a, site.project_a, prices, site.controller, "too cheap")
    request = db.session.get(ApprovalRequest, plan.approval_request_id)
    decide(request, site.admin_a, reject, "no")
    assert db.session.get(PriceAdjustmentPlan, plan.id).status == PlanStatus.rejected
    assert {u.list_unit_price for u in units} == {Decimal("12000.00")}


def test_sal29_sold_units_and_units_in_a_pending_plan_are_not_repriced(site):
    unit = building(site, "1#")[0]
    services.release_permit(site.project_a, "YS-2026-01", site.controller)
    services.take_unit(unit.id, {S.available}, S.subscribed, site.rep_a, "order")
    db.session.commit()
    with pytest.raises(ValidationError, match="only unsold units"):
        pricing.submit_plan(site.a, site.project_a, {unit.id: 1}, site.controller, "x")
    db.session.rollback()
    install_default_flows(site.a)
    other = building(site, "1#")[1]
    pricing.submit_plan(site.a, site.project_a, {other.id: 9000}, site.controller, "a")
    with pytest.raises(ValidationError, match="pending plan"):
        pricing.submit_plan(site.a, site.project_a, {other.id: 9100}, site.controller, "b")


def test_sal29_unit_screen_offers_no_edit_of_state_or_price(site, client):
    login(client, "admin-a@example.com")
    unit = site.units[0]
    response = client.get(f"/admin/sales_units/edit/?id={unit.id}")
    assert response.status_code in (302, 403, 404)
    page = client.get(f"/admin/sales_board/unit/{unit.id}")
    assert page.status_code == 200 and "Price list import" in page.text
    # The manual change offers only non-sold states.
    assert 'value="subscribed"' not in page.text and 'value="available"' in page.text
