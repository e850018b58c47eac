"""Order screens: list filters, the form, approval status, void, review and the plan PDF."""

from core.extensions import db
from plugins.sales.orders.models import Order, OrderStatus
from tests.conftest import login
from tests.plugins.sales import test_orders_services as base
from tests.plugins.sales.test_orders_services import (
    make_unit,
    place,
)

site = base.site  # the shared fixture

BASE = "/admin/sales_orders/"


def test_sal20_order_form_with_discount_shows_pending_approval(site, client):
    login(client, site.rep.email)
    form = {
        "unit_id": site.unit.id,
        "customer_id": site.customer.id,
        "payment_method": "full",
        "deposit_kind": "large",
        "deposit": "50000",
        "discount_pct": "2",
    }
    answer = client.post(BASE + "new", data=form)
    assert answer.status_code == 302, answer.text
    page = client.get(answer.headers["Location"])
    assert "Pending approval" in page.text and "sales.discount" in page.text
    again = client.post(BASE + "new", data=form)
    assert again.status_code == 409 and "no longer available" in again.text


def test_sal17_order_form_refuses_deposit_over_20_percent(site, client):
    login(client, site.rep.email)
    form = {
        "unit_id": site.unit.id,
        "customer_id": site.customer.id,
        "payment_method": "full",
        "deposit_kind": "large",
        "deposit": "300000",
    }
    answer = client.post(BASE + "new", data=form)
    assert answer.status_code == 400 and "20" in answer.text
    assert db.session.query(Order).count() == 0


def test_sal17_rep_void_refused_on_screen_manager_voids(site, client):
    order = place(site)
    login(client, site.rep.email)
    assert client.post(f"{BASE}{order.id}/void", data={"reason": "x"}).status_code == 403
    client.post("/logout")
    login(client, site.manager.email)
    client.post(f"{BASE}{order.id}/void", data={"reason": "duplicate"})
    db.session.refresh(order)
    assert order.status == OrderStatus.voided


def test_orders_list_filters_by_building_and_state(site, client):
    place(site)
    place(site, unit_id=make_unit(site, "02").id, customer_id=site.customer.id)
    login(client, site.rep.email)
    page = client.get(BASE, query_string={"building_id": site.building.id, "status": "active"})
    assert page.status_code == 200 and page.text.count("<tr class=") == 2
    assert client.get(BASE, query_string={"status": "voided"}).text.count("<tr class=") == 0


def test_sal21_review_screen_records_checks(site, client):
    order = place(site)
    login(client, site.cs.email)
    page = client.get(f"{BASE}{order.id}/review")
    assert page.status_code == 200 and "Deposit received" in page.text
    client.post(f"{BASE}{order.id}/review", data={"contact_passed": "0", "contact_note": "typo"})
    from plugins.sales.orders.models import OrderReview

    review = db.session.query(OrderReview).one()
    assert not review.passed  # every unticked check counts as failed too


def test_sal16_plan_screen_and_pdf(site, client):
    login(client, site.rep.email)
    form = {
        "unit_id": site.unit.id,
        "method": "mortgage",
        "loan_kind": "commercial",
        "loan_method": "equal_principal",
        "discount_pct": "1",
    }
    page = client.post(BASE + "plan", data=form)
    assert page.status_code == 200 and "990000.00" in page.text
    pdf = client.post(BASE + "plan", data={**form, "pdf": "1"})
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_sal20_special_offer_screen_requests_and_lists(site, client):
    login(client, "rep-a@example.com")
    page = "/admin/sales_special_offers/"
    bad = client.post(page, data={"unit_id": site.unit.id, "discount_pct": "x", "reason": "r"})
    assert bad.status_code == 422 and "discount_pct" in bad.text
    made = client.post(page, data={"unit_id": site.unit.id, "discount_pct": "4", "reason": "团购"})
    assert made.status_code == 302
    listed = client.get(page).text
    assert "团购" in listed and "Pending" in listed


def test_orders_list_labels_orders_ended_with_their_contract(site, client):
    ended = place(site)
    ended.status = OrderStatus.terminated  # as customer service's dunning release leaves it
    db.session.commit()
    login(client, site.rep.email)
    page = client.get(BASE, query_string={"status": "terminated"})
    assert page.status_code == 200 and page.text.count("<tr class=") == 1
    options = ("Voided", "Terminated", "Cancelled")
    assert all(f">{label}</option>" in page.text for label in options)
    assert "<td>Terminated</td>" in page.text.split("<tr class=")[1]
