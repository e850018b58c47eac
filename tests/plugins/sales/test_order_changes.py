"""Changes to an order (SAL-22–25): unit swap, refund with penalty, name change, layout change,
each on its approval route and carried out in one transaction when the route completes."""

from decimal import Decimal

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from core import approvals
from core.documents import add_document
from core.extensions import db
from core.services.companies import add_member, create_user
from core.tenancy import company_scope
from plugins.sales.models import UnitState
from plugins.sales.orders import changes, services
from plugins.sales.orders.models import (
    ChangeRequest,
    ChangeStatus,
    Deposit,
    DepositStatus,
    Order,
    OrderStatus,
)
from plugins.sales.units.services import take_unit
from tests.conftest import PASSWORD, login
from tests.plugins.sales import test_orders_services as base
from tests.plugins.sales.test_orders_api import bearer
from tests.plugins.sales.test_orders_services import counts, make_customer, make_unit, place

D = Decimal


@pytest.fixture
def site(world):
    site = base.site.__wrapped__(world)
    for email, role in (("fin-a@example.com", "finance"), ("eng-a@example.com", "engineering"),
                        ("cost-a@example.com", "cost_budget")):  # fmt: skip
        user = create_user(email, PASSWORD)
        add_member(user, site.a, [role])
        setattr(site, role, user)
    site.unit2 = make_unit(site, "02", total="800000.00")
    return site


def ask(site, order, kind, user=None, **values):
    return changes.request_change(order, user or site.rep, kind, {"reason": "家庭原因"} | values)


def request_of(change) -> approvals.ApprovalRequest:
    return db.session.get(approvals.ApprovalRequest, change.approval_request_id)


def route(change) -> list[str]:
    return [s["roles"][0] if s["roles"] else s["permission"] for s in request_of(change).steps]


def approve_all(change, *users):
    for user in users:
        approvals.approve(request_of(change), user)


def snapshot(site, order) -> tuple:
    """Everything an applied change could touch."""
    db.session.expire_all()
    with company_scope(site.a.id):
        orders = db.session.execute(select(Order.id, Order.status)).all()
        deposits = db.session.execute(select(Deposit.id, Deposit.status, Deposit.refunded_amount))
        units = (site.unit.id, site.unit2.id)
        return (
            sorted(orders),
            sorted(deposits.all()),
            [db.session.get(type(site.unit), u).state for u in units],
            vars(counts(site)),
            [(c.id, c.status) for c in db.session.scalars(select(ChangeRequest))],
        )


# --- SAL-22 unit swap ---------------------------------------------------------------------


def test_sal22_swap_site_manager_approves_units_orders_deposits_move_together(site):
    order = place(site)
    change = ask(site, order, "swap", new_unit_id=site.unit2.id)
    assert route(change) == ["site_manager"] and change.status == ChangeStatus.pending
    assert order.status == OrderStatus.active  # nothing moves before the approval
    approve_all(change, site.manager)
    db.session.expire_all()
    assert change.status == ChangeStatus.applied
    assert order.status == OrderStatus.withdrawn and order.unit.state == UnitState.available
    assert [d.status for d in order.deposits] == [DepositStatus.withdrawn]  # kept, withdrawn
    new = change.new_order
    assert new.unit_id == site.unit2.id and new.status == OrderStatus.active
    assert new.unit.state == UnitState.subscribed
    assert new.current.price == D("800000.00") and new.deposits[0].amount == D("50000.00")
    assert "50000.00" in change.finance_note and f"#{new.id}" in change.finance_note


def test_sal22_swap_after_contract_is_refused(site):
    order = place(site)
    take_unit(site.unit.id, {UnitState.subscribed}, UnitState.contracted, site.manager, "signed")
    db.session.commit()
    with pytest.raises(changes.ChangeRefused, match="before the contract"):
        ask(site, order, "swap", new_unit_id=site.unit2.id)
    assert db.session.scalar(select(ChangeRequest.id)) is None


def test_sal22_swap_to_unavailable_unit_refused_before_and_at_approval_changes_nothing(site):
    order = place(site)
    other = place(site, unit_id=site.unit2.id, customer_id=make_customer(site, 2).id)
    with pytest.raises(services.UnitUnavailable):
        ask(site, order, "swap", new_unit_id=site.unit2.id)
    services.void_order(other, site.manager, "customer left")
    change = ask(site, order, "swap", new_unit_id=site.unit2.id)
    # Someone else takes the unit while the swap waits for approval.
    place(site, unit_id=site.unit2.id, customer_id=make_customer(site, 3).id)
    before = snapshot(site, order)
    with pytest.raises(services.UnitUnavailable, match="no longer available"):
        approvals.approve(request_of(change), site.manager)
    assert snapshot(site, order) == before
    assert request_of(change).status == approvals.RequestStatus.pending


def test_sal22_failure_mid_apply_leaves_units_orders_deposits_unchanged(site, monkeypatch):
    order = place(site)
    change = ask(site, order, "swap", new_unit_id=site.unit2.id)
    before = snapshot(site, order)

    def boom(*args, **kwargs):  # after both units were moved and the old order withdrawn
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_version", boom)
    with pytest.raises(RuntimeError):
        approvals.approve(request_of(change), site.manager)
    assert snapshot(site, order) == before
    assert before[2] == [UnitState.subscribed, UnitState.available]


def test_sal22_swap_through_api_and_screen(site, client):
    order = place(site)
    url = f"/api/v1/sales/orders/{order.id}/changes"
    body = {"kind": "swap", "reason": "楼层", "new_unit_id": site.unit2.id}
    answer = client.post(url, json=body, headers=bearer(site.rep, site.a))
    assert answer.status_code == 201 and answer.json["status"] == "pending", answer.json
    again = client.post(url, json=body, headers=bearer(site.rep, site.a))
    assert again.status_code == 409  # one pending change per order
    request_id = answer.json["approval_request_id"]
    decided = client.post(
        f"/api/v1/approvals/{request_id}/approve", json={}, headers=bearer(site.manager, site.a)
    )
    assert decided.status_code == 200, decided.json
    shown = client.get(
        f"/api/v1/sales/order-changes/{answer.json['id']}", headers=bearer(site.rep, site.a)
    )
    assert shown.json["status"] == "applied" and shown.json["new_unit"] == site.unit2.label
    # The screen: a second swap, back to the first unit, asked on the form.
    new_order = shown.json["new_order_id"]
    login(client, site.rep.email)
    base_url = "/admin/sales_order_changes/"
    assert client.get(f"{base_url}new?order={new_order}&kind=swap").status_code == 200
    posted = client.post(
        f"{base_url}new?order={new_order}",
        data={"kind": "swap", "reason": "朝向", "new_unit_id": site.unit.id},
    )
    assert posted.status_code == 302, posted.text
    page = client.get(posted.headers["Location"])
    assert "sales.order_swap" in page.text and site.unit.label in page.text
    assert site.unit.label in client.get(base_url).text


# --- SAL-23 refund / cancellation ---------------------------------------------------------


def test_sal23_refund_route_penalty_kept_unit_available_order_and_receipt_voided(site):
    order = place(site)
    change = ask(site, order, "refund", real_reason="资金不足", penalty="10000.00")
    assert route(change) == ["site_manager", "sales.manage", "gm", "finance"]
    approve_all(change, site.manager, site.manager, site.gm)
    db.session.expire_all()
    assert order.status == OrderStatus.active and change.status == ChangeStatus.pending
    approve_all(change, site.finance)
    db.session.expire_all()
    assert order.status == OrderStatus.voided and order.unit.state == UnitState.available
    (receipt,) = order.deposits
    assert receipt.status == DepositStatus.voided and receipt.refunded_amount == D("40000.00")
    assert change.real_reason == "资金不足" and "40000.00" in change.finance_note


def test_sal23_penalty_over_deposit_and_missing_real_reason_refused(site):
    order = place(site)
    with pytest.raises(ValidationError) as err:
        ask(site, order, "refund", real_reason="x", penalty="50000.01")
    assert "penalty" in err.value.messages
    with pytest.raises(ValidationError) as err:
        ask(site, order, "refund", penalty="0")
    assert "real_reason" in err.value.messages
    assert db.session.scalar(select(ChangeRequest.id)) is None


def test_sal23_rejected_refund_changes_nothing(site):
    order = place(site)
    change = ask(site, order, "refund", real_reason="换城市", penalty="0")
    before = snapshot(site, order)
    approvals.reject(request_of(change), site.manager, "customer stays")
    after = snapshot(site, order)
    assert after[:4] == before[:4] and change.status == ChangeStatus.rejected


def test_sal23_refund_through_api_and_screen(site, client):
    order = place(site)
    body = {"kind": "refund", "reason": "x", "real_reason": "y", "penalty": "60000"}
    url = f"/api/v1/sales/orders/{order.id}/changes"
    over = client.post(url, json=body, headers=bearer(site.rep, site.a))
    assert over.status_code == 422 and "penalty" in over.json["error"]["fields"]
    login(client, site.rep.email)
    form = {"kind": "refund", "reason": "x", "real_reason": "y", "penalty": "5000"}
    posted = client.post(f"/admin/sales_order_changes/new?order={order.id}", data=form)
    assert posted.status_code == 302, posted.text
    change = db.session.scalar(select(ChangeRequest))
    assert change.penalty == D("5000.00") and route(change)[0] == "site_manager"


# --- SAL-24 name change -------------------------------------------------------------------


def identity(order, name, user):
    with company_scope(order.company_id):
        document = add_document(
            "sales_order", order.id, "identity", name, b"%PDF-1.4 " + name.encode(), user
        )
        db.session.commit()
    return document.id


def test_sal24_name_change_needs_two_identity_documents_route_and_new_version(site):
    order = place(site)
    old_id = identity(order, "old.pdf", site.rep)
    with pytest.raises(ValidationError, match="identity"):
        ask(site, order, "rename", new_buyer_name="李娜", old_identity_id=old_id)
    new_id = identity(order, "new.pdf", site.rep)
    change = ask(
        site, order, "rename", new_buyer_name="李娜", old_identity_id=old_id, new_identity_id=new_id
    )
    assert route(change) == ["site_manager", "gm", "finance"]
    approve_all(change, site.manager, site.gm, site.finance)
    db.session.expire_all()
    assert order.buyer_name == "李娜" and order.version == 2
    # Blank: the customer's own name; the new version records the new buyer.
    assert [v.buyer_name for v in order.versions] == ["", "李娜"]
    assert order.current.price == order.versions[0].price  # only the buyer changed
    assert (change.old_identity_id, change.new_identity_id) == (old_id, new_id)


# --- SAL-25 layout change -----------------------------------------------------------------


def test_sal25_layout_route_fee_by_cost_then_inspection(site):
    order = place(site)
    change = ask(site, order, "layout", description="打通两间卧室")
    assert route(change) == ["site_manager", "engineering", "cost_budget", "finance", "gm"]
    approve_all(change, site.manager, site.engineering)
    with pytest.raises(changes.NotYours):
        changes.set_fee(change, site.rep, "3000")
    changes.set_fee(change, site.cost_budget, "3000.00")
    approve_all(change, site.cost_budget, site.finance)
    with pytest.raises(changes.ChangeRefused):
        changes.inspect(change, site.engineering, True)  # not approved yet
    approve_all(change, site.gm)
    db.session.expire_all()
    assert change.status == ChangeStatus.applied and order.version == 2
    assert order.current.schedule[-1]["amount"] == "3000.00"
    assert "3000.00" in change.finance_note
    changes.inspect(change, site.engineering, False, "墙体未封")
    changes.inspect(change, site.engineering, True, "ok")
    assert [i.passed for i in change.inspections] == [False, True]


def test_sal25_layout_without_fee_cannot_complete(site):
    order = place(site)
    change = ask(site, order, "layout", description="加一扇窗")
    approve_all(change, site.manager, site.engineering, site.cost_budget, site.finance)
    with pytest.raises(changes.ChangeRefused, match="fee"):
        approvals.approve(request_of(change), site.gm)
    db.session.expire_all()
    assert order.version == 1 and change.status == ChangeStatus.pending
