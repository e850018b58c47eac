"""Purchase plan (SAL-16), order review (SAL-21) and the orders API."""

from datetime import timedelta
from decimal import Decimal

import pytest

from core import approvals
from core.auth.services import create_token
from core.extensions import db
from core.services.companies import add_member, create_user
from core.tenancy import company_scope
from plugins.sales.models import Unit, UnitState
from plugins.sales.orders import review
from plugins.sales.orders.plans import add_months, purchase_plan
from tests.conftest import PASSWORD
from tests.plugins.sales import test_orders_services as base
from tests.plugins.sales.test_orders_services import (
    TODAY,
    make_unit,
    order_data,
    place,
)

site = base.site  # the shared fixture

D = Decimal
ORDERS = "/api/v1/sales/orders"


def bearer(user, company) -> dict:
    return {"Authorization": f"Bearer {create_token(user, company, 'test')}"}


def settings_of(site):
    from core.plugins.state import get_settings

    return get_settings(site.a, "sales")


def json_body(site, **kw) -> dict:
    # The API writes orders dated today (China time).
    return {k: str(v) for k, v in order_data(site, **kw).items() if k != "ordered_on"}


# --- SAL-16 -------------------------------------------------------------------------------


def test_sal16_purchase_plan_mortgage_figures_and_dates(site):
    plan = purchase_plan(settings_of(site), site.unit, "mortgage", D("1"), TODAY, D("50000"))
    assert plan.price == D("990000.00") and plan.discount == D("10000.00")
    assert plan.down_payment == D("148500.00")  # the 15 % minimum by default
    assert plan.loan_amount == D("841500.00")
    signing = TODAY + timedelta(days=7)
    assert [(p.due, p.amount) for p in plan.payments] == [
        (TODAY, D("50000")),
        (signing, D("98500.00")),
        (signing, D("841500.00")),
    ]
    assert [f.amount for f in plan.fees] == [D("29700.00"), D("5500.00"), D("200.00")]
    # 841,500 over 30 years at the default LPR 3.50 % + 0 spread (1,000,000 → 4,490.45).
    assert plan.loan.parts["commercial"].annual_rate == D("3.50")
    assert plan.loan.first_payment == D("3778.71")


def test_sal16_purchase_plan_instalments_and_changed_settings(site):
    from core.plugins import state

    state.update_settings(
        site.a, "sales", {"instalment_down_pct": "50", "instalment_count": 2, "deed_tax_pct": "1.5"}
    )
    plan = purchase_plan(settings_of(site), site.unit, "instalments", D("0"), TODAY)
    amounts = [p.amount for p in plan.payments]
    assert amounts == [D("500000.00"), D("250000.00"), D("250000.00")]
    assert plan.payments[-1].due == add_months(TODAY + timedelta(days=7), 6)
    assert plan.fees[0].amount == D("15000.00")


def test_sal16_purchase_plan_api_and_pdf(site, client):
    headers = bearer(site.rep, site.a)
    body = {"unit_id": site.unit.id, "method": "full", "discount_pct": "0.5"}
    answer = client.post("/api/v1/sales/purchase-plan", json=body, headers=headers)
    assert answer.status_code == 200, answer.json
    assert answer.json["price"] == "995000.00" and answer.json["loan"] is None
    pdf = client.post("/api/v1/sales/purchase-plan.pdf", json=body, headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    bad = client.post(
        "/api/v1/sales/purchase-plan",
        headers=headers,
        json={**body, "method": "mortgage", "down_pct": "10"},
    )
    assert bad.status_code == 422 and "down_pct" in bad.json["error"]["fields"]


# --- API ----------------------------------------------------------------------------------


def test_sal13_api_second_order_is_409_unit_no_longer_available(site, client):
    headers = bearer(site.rep, site.a)
    first = client.post(ORDERS, json=json_body(site), headers=headers)
    assert first.status_code == 201, first.json
    assert first.json["status"] == "active" and first.json["versions"][0]["price"] == "1000000.00"
    second = client.post(ORDERS, json=json_body(site), headers=headers)
    assert second.status_code == 409
    assert "no longer available" in second.json["error"]["message"]
    # API messages are English unless the client asks for Chinese.
    chinese = client.post(
        ORDERS, json=json_body(site), headers={**headers, "Accept-Language": "zh-CN,zh;q=0.9"}
    )
    assert chinese.status_code == 409 and "已不可售" in chinese.json["error"]["message"]
    listed = client.get(ORDERS, query_string={"building_id": site.building.id}, headers=headers)
    assert listed.json["total"] == 1
    assert client.get(ORDERS, query_string={"status": "voided"}, headers=headers).json["total"] == 0


def test_sal17_api_deposit_over_limit_is_422_and_rep_cannot_void(site, client):
    rep = bearer(site.rep, site.a)
    over = client.post(ORDERS, json=json_body(site, deposit="200000.01"), headers=rep)
    assert over.status_code == 422 and "deposit" in over.json["error"]["fields"]
    order = client.post(ORDERS, json=json_body(site), headers=rep).json
    refused = client.post(f"{ORDERS}/{order['id']}/void", json={"reason": "x"}, headers=rep)
    assert refused.status_code == 403
    manager = bearer(site.manager, site.a)
    voided = client.post(f"{ORDERS}/{order['id']}/void", json={"reason": "typo"}, headers=manager)
    assert voided.status_code == 200 and voided.json["status"] == "voided"
    again = client.post(f"{ORDERS}/{order['id']}/void", json={"reason": "x"}, headers=manager)
    assert again.status_code == 409


def test_sal19_api_cooling_off_refund(site, client):
    rep = bearer(site.rep, site.a)
    order = client.post(ORDERS, json=json_body(site), headers=rep).json
    refunded = client.post(f"{ORDERS}/{order['id']}/refund", headers=rep)
    assert refunded.status_code == 200 and refunded.json["status"] == "refunded"
    with company_scope(site.a.id):
        assert db.session.get(Unit, site.unit.id).state == UnitState.available


def test_orders_api_in_openapi(site, client):
    spec = client.get("/api/v1/openapi.json", headers=bearer(site.rep, site.a)).json
    assert {"/sales/orders", "/sales/orders/{order_id}/void", "/sales/purchase-plan"} <= set(
        spec["paths"]
    )


# --- SAL-21 -------------------------------------------------------------------------------


def test_sal21_review_checklist_all_pass_on_a_clean_order(site):
    order = place(site)
    checks = {c["key"]: c for c in review.proposed_checks(order)}
    assert set(checks) == set(review.CHECKS)
    assert all(c["passed"] for c in checks.values()), checks
    recorded = review.record_review(order, site.cs, {"contact": {"passed": False, "note": "wrong"}})
    assert not recorded.passed
    assert next(c for c in recorded.checks if c["key"] == "contact")["note"] == "wrong"


def test_sal21_review_checklist_fails_unapproved_discount_and_missing_phone(site):
    # An admin emptied the discount flow: a 2 % order goes through with nobody approving it.
    approvals.save_flow(site.a, {"doc_type": "sales.discount", "steps": []})
    order = place(site, discount_pct=D("2"))
    assert order.status == "active"
    order.customer.phone = ""
    db.session.commit()
    checks = {c["key"]: c["passed"] for c in review.proposed_checks(order)}
    assert checks["discount_approval"] is False and checks["contact"] is False
    assert checks["arithmetic"] is True


def test_sal21_review_api(site, client):
    order = place(site, unit_id=make_unit(site, "09").id)
    cs = bearer(site.cs, site.a)
    answer = client.post(f"{ORDERS}/{order.id}/review", json={}, headers=cs)
    assert answer.status_code == 201 and answer.json["passed"] is True
    rep = client.post(f"{ORDERS}/{order.id}/review", json={}, headers=bearer(site.rep, site.a))
    assert rep.status_code == 403


def test_sal20_special_offer_goes_sales_then_gm_then_finance(site, client):
    finance = create_user("finance-a@example.com", PASSWORD)
    add_member(finance, site.a, ["finance"])
    body = {"unit_id": site.unit.id, "discount_pct": "5", "reason": "团购客户"}
    missing = client.post(
        "/api/v1/sales/special-offers",
        json={**body, "reason": ""},
        headers=bearer(site.rep, site.a),
    )
    assert missing.status_code == 422 and "reason" in missing.json["error"]["fields"]
    made = client.post("/api/v1/sales/special-offers", json=body, headers=bearer(site.rep, site.a))
    assert made.status_code == 201, made.json
    assert made.json["normal_price"] == str(site.unit.list_total)
    request = db.session.get(approvals.ApprovalRequest, made.json["approval_request_id"])
    assert [s["roles"] for s in request.steps] == [["site_manager"], ["gm"], ["finance"]]
    with pytest.raises(approvals.ApprovalRefused):
        approvals.approve(request, site.gm)  # the sales department decides first
    for approver in (site.manager, site.gm, finance):
        approvals.approve(request, approver)
    assert request.status == "approved"
