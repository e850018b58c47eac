"""The sales screens show people by name and stored codes by their labels, never raw ids or
codes; the list filters a rep, site manager or sales controller expects are there."""

import json
import re
from datetime import date, timedelta

import pytest

from core.extensions import db
from core.plugins import state
from core.tenancy import company_scope
from plugins.sales.leads import services as leads
from plugins.sales.leads.models import FollowUp, RosterEntry
from plugins.sales.models import Customer
from plugins.sales.orders import changes
from tests.conftest import login
from tests.plugins.sales import test_orders_services as base
from tests.plugins.sales.test_orders_services import TODAY, make_customer, make_unit, place

REP, MANAGER, CS = "王芳", "李经理", "赵客服"


@pytest.fixture
def site(world):
    """The orders site with people named as users know them, a hotline call of today, an
    order (so a unit state change), a follow-up, a roster line and a unit swap asked for."""
    site = base.site.__wrapped__(world)
    site.rep.name, site.manager.name, site.cs.name = REP, MANAGER, CS
    db.session.commit()
    site.call = leads.register(
        site.a,
        {
            "kind": "call",
            "project_id": site.project_a.id,
            "caller_name": "孙丽",
            "phone": "13900000009",
            "source": "passing_by",
        },
        site.rep,
    )
    db.session.commit()
    site.order = place(site)
    with company_scope(site.a.id):
        db.session.add_all(
            [
                FollowUp(
                    company_id=site.a.id,
                    customer_id=site.customer.id,
                    rep_id=site.rep.id,
                    on=TODAY,
                    channel="sms",
                    content="价格",
                    objections=["unit_price", "payment_terms"],
                    created_at=site.order.created_at,
                ),
                RosterEntry(
                    company_id=site.a.id,
                    project_id=site.project_a.id,
                    day=TODAY,
                    position=1,
                    rep_id=site.rep.id,
                ),
            ]
        )
        db.session.commit()
    site.swap = changes.request_change(
        site.order, site.rep, "swap", {"reason": "楼层", "new_unit_id": make_unit(site, "02").id}
    )
    return site


def cells(page, column: str) -> list[str]:
    """The texts of a Flask-Admin list column."""
    found = re.findall(rf'<td class="col-{column}">(.*?)</td>', page.text, re.S)
    return [re.sub(r"<[^>]+>", "", text).strip() for text in found]


def test_units_screens_show_states_by_label_and_people_by_name(site, client):
    login(client, site.rep.email)
    units = client.get("/admin/sales_units/")
    assert units.status_code == 200
    assert "Subscribed" in cells(units, "state") and "subscribed" not in cells(units, "state")
    log = client.get("/admin/sales_unit_log/")
    assert "<td>Available</td><td>Subscribed</td>" in log.text and f"<td>{REP}</td>" in log.text
    assert "<td>available</td>" not in log.text and ">subscribed<" not in log.text
    unit = client.get(f"/admin/sales_board/unit/{site.unit.id}")
    assert f"<td>{REP}</td>" in unit.text and f"<td>{site.rep.id}</td>" not in unit.text
    week = client.get(f"/admin/sales_reconciliation/?week_end={date.today() + timedelta(days=1)}")
    assert f"<td>{REP}</td>" in week.text and "<td>Subscribed</td>" in week.text
    assert "→ Subscribed: 1" in week.text and ">subscribed<" not in week.text


def test_leads_screens_show_kinds_sources_objections_and_names(site, client):
    login(client, site.rep.email)
    register = client.get("/admin/sales_reception/?kind=call")
    assert "<td>Hotline call</td>" in register.text and "<td>Passing by</td>" in register.text
    assert "<td>call</td>" not in register.text and "<td>passing_by</td>" not in register.text
    assert f"{REP}" in register.text
    customers = client.get("/admin/sales_customers/")
    assert "Passing by" in cells(customers, "source") and REP in cells(customers, "rep")
    assert site.rep.email not in cells(customers, "rep")
    followups = client.get("/admin/sales_follow_ups/")
    assert cells(followups, "channel") == ["SMS"] and cells(followups, "rep") == [REP]
    assert cells(followups, "objections") == ["Unit price, Payment terms"]
    roster = client.get("/admin/sales_roster/")
    assert cells(roster, "rep") == [REP]


def test_customer_details_show_labels_and_the_household_by_name(site, client):
    head = make_customer(site, 7)
    with company_scope(site.a.id):
        customer = db.session.get(Customer, site.customer.id)
        leads.update_customer(
            site.a,
            customer,
            {"objections": ["view", "floor"], "purpose": "investment", "household_id": head.id},
        )
        db.session.commit()
    login(client, site.rep.email)
    page = client.get(f"/admin/sales_customers/details/?id={site.customer.id}")
    assert "Floor, View" in page.text and "Investment" in page.text
    assert str(head) in page.text and "investment" not in page.text


def test_orders_screens_show_reps_by_name_and_changes_by_label(site, client):
    login(client, site.manager.email)
    listing = client.get("/admin/sales_orders/")
    assert f"<td>{REP}</td>" in listing.text and site.rep.email not in listing.text
    order = client.get(f"/admin/sales_orders/{site.order.id}")
    assert f"<td>{REP}</td>" in order.text and site.rep.email not in order.text
    swaps = client.get("/admin/sales_order_changes/")
    assert "<td>Unit swap</td>" in swaps.text and "<td>Pending</td>" in swaps.text
    assert "<td>swap</td>" not in swaps.text and "<td>pending</td>" not in swaps.text
    change = client.get(f"/admin/sales_order_changes/{site.swap.id}")
    assert "Unit swap" in change.text and ": swap" not in change.text


# --- filters ----------------------------------------------------------------------------


def test_orders_list_filters_by_rep_and_signing_date(site, client):
    other = place(site, user=site.manager, unit_id=make_unit(site, "03").id, rep_id=site.manager.id)
    login(client, site.manager.email)
    page = client.get("/admin/sales_orders/")
    assert f'<option value="{site.rep.id}"' in page.text and f">{MANAGER}</option>" in page.text
    by_rep = client.get("/admin/sales_orders/", query_string={"rep_id": site.manager.id})
    assert f"/admin/sales_orders/{other.id}" in by_rep.text
    assert f'/admin/sales_orders/{site.order.id}"' not in by_rep.text
    due = site.order.signing_date
    window = {"signing_from": due.isoformat(), "signing_to": due.isoformat()}
    assert client.get("/admin/sales_orders/", query_string=window).text.count("<tr class=") == 2
    later = {"signing_from": (due + timedelta(days=1)).isoformat()}
    assert client.get("/admin/sales_orders/", query_string=later).text.count("<tr class=") == 0


def test_order_changes_filter_by_building_and_state(site, client):
    login(client, site.manager.email)
    page = "/admin/sales_order_changes/"
    assert "Unit swap" in client.get(page, query_string={"building_id": site.building.id}).text
    assert "No changes." in client.get(page, query_string={"building_id": 9999}).text
    assert "No changes." in client.get(page, query_string={"status": "applied"}).text
    assert "Unit swap" in client.get(page, query_string={"status": "pending"}).text


def test_site_follow_ups_filter_by_rep(site, client):
    login(client, site.manager.email)
    page = client.get("/admin/sales_my_follow_ups/site", query_string={"rep_id": site.rep.id})
    assert page.status_code == 200 and f">{REP}</option>" in page.text


# --- the customer information file in the admin form (SAL-06, SAL-09) ---------------------


def edit_form(customer: Customer, **values) -> dict:
    form = {
        "name": customer.name,
        "phone": customer.phone or "",
        "grade": str(customer.grade),
        "family": "",
        "occupation": "",
        "income_band": "__None",
        "housing": "",
        "purpose": "__None",
        "homes_bought": "0",
        "visit_count": "0",
        "notes": "",
        "outcome": "__None",
        "outcome_on": "",
    }
    return form | values


def test_sal06_objections_and_household_edited_in_the_admin_form(site, client):
    head = make_customer(site, 7)
    member = make_customer(site, 8)
    with company_scope(site.a.id):
        joined = db.session.get(Customer, member.id)
        leads.update_customer(site.a, joined, {"household_id": head.id})
        db.session.commit()
    login(client, site.rep.email)
    url = f"/admin/sales_customers/edit/?id={site.customer.id}"
    page = client.get(url)
    assert '<option value="payment_terms">Payment terms</option>' in page.text
    assert "Household (family)" in page.text
    # Joining a member of a family joins the family's head (one household per family).
    data = edit_form(site.customer, objections=["view", "location"], household=str(member.id))
    answer = client.post(url, data=data)
    assert answer.status_code == 302, answer.text
    db.session.expire_all()
    with company_scope(site.a.id):
        saved = db.session.get(Customer, site.customer.id)
        assert saved.objections == ["location", "view"] and saved.household_id == head.id
    shown = client.get(url).text
    assert '<option selected value="view">View</option>' in shown
    # Leaving the family and clearing the objections.
    client.post(url, data=edit_form(site.customer, household="__None"))
    db.session.expire_all()
    with company_scope(site.a.id):
        saved = db.session.get(Customer, site.customer.id)
        assert saved.objections == [] and saved.household_id is None


def test_sal09_household_of_another_company_or_oneself_refused(site, client):
    from tests.plugins.sales.test_orders_api import bearer

    with company_scope(site.b.id):
        stranger = Customer(
            company_id=site.b.id, code="ZZ-WL001", name="王磊", created_at=site.order.created_at
        )
        db.session.add(stranger)
        db.session.commit()
    headers = bearer(site.rep, site.a)
    url = f"/api/v1/sales/customers/{site.customer.id}"
    answer = client.patch(url, json={"household_id": stranger.id}, headers=headers)
    assert answer.status_code == 422 and "household_id" in answer.json["error"]["fields"]
    answer = client.patch(url, json={"household_id": site.customer.id}, headers=headers)
    assert answer.status_code == 422 and "household_id" in answer.json["error"]["fields"]
    login(client, site.rep.email)
    edit = f"/admin/sales_customers/edit/?id={site.customer.id}"
    client.post(edit, data=edit_form(site.customer, household=str(stranger.id)))  # not found
    answer = client.post(edit, data=edit_form(site.customer, household=str(site.customer.id)))
    assert answer.status_code == 200 and "not their own family" in answer.text
    db.session.expire_all()
    with company_scope(site.a.id):
        assert db.session.get(Customer, site.customer.id).household_id is None


def test_sal07_screens_show_the_company_grade_labels(site, client):
    login(client, site.rep.email)
    assert cells(client.get("/admin/sales_customers/"), "grade") == ["C", "C"]  # default
    labels = {"A": "重点", "B": "意向", "C": "一般"}
    state.update_settings(site.a, "sales", {"grade_labels": labels})
    db.session.commit()
    assert set(cells(client.get("/admin/sales_customers/"), "grade")) == {"一般"}
    form = client.get(f"/admin/sales_customers/edit/?id={site.customer.id}").text
    assert '<option value="A">重点</option>' in form
    listing = client.get("/admin/sales_customers/").text
    # The grade filter offers the company's labels.
    grade = re.search(r'"Grade": \[\{"arg": "(\d+)".*?"options": (\[.*?\]\])', listing)
    assert json.loads(grade.group(2)) == [["A", "重点"], ["B", "意向"], ["C", "一般"]]
    arg = f"flt0_{grade.group(1)}"
    assert len(cells(client.get("/admin/sales_customers/", query_string={arg: "C"}), "grade")) == 2
    assert cells(client.get("/admin/sales_customers/", query_string={arg: "A"}), "grade") == []


def test_sal08_roster_and_reps_away_forms_offer_the_company_reps_by_name(site, client):
    login(client, site.manager.email)
    for page in ("/admin/sales_roster/new/", "/admin/sales_rep_away/new/"):
        form = client.get(page).text
        assert f">{REP}</option>" in form
        assert site.admin_b.email not in form and site.rep.email not in form
    assert '<option value="travel">Travel</option>' in client.get("/admin/sales_rep_away/new/").text
