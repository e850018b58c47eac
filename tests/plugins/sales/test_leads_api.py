"""Leads API and screens: registration, customers, follow-ups; 422 naming fields with nothing
written (SAL-01, SAL-05, SAL-06, SAL-08)."""

from sqlalchemy import func, select

from core.auth.services import create_token
from core.extensions import db
from plugins.sales.leads.models import FollowUp, Reception
from plugins.sales.models.customers import Customer, CustomerCodeSequence
from tests.conftest import login
from tests.plugins.sales.leads_setup import DAY, register, sales_fixture  # noqa: F401

WALK_IN = {"kind": "walk_in", "caller_name": "张三", "phone": "138", "source": "tv"}


def _auth(sales, user=None):
    token = create_token(user or sales.world.rep_a, sales.company, "t")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _count(model):
    return db.session.scalar(select(func.count(model.id)))


def test_sal01_api_registers_a_walk_in_by_rotation(sales, client):
    body = {**WALK_IN, "project_id": sales.project.id, "at": f"{DAY}T10:00:00"}
    response = client.post("/api/v1/sales/leads", json=body, headers=_auth(sales))
    assert response.status_code == 201, response.text
    assert response.json["customer_code"] == "LY-ZS001"
    assert response.json["rep_id"] == sales.reps[0].id and response.json["on"] == str(DAY)
    listed = client.get("/api/v1/sales/leads", headers=_auth(sales)).json
    assert listed["total"] == 1


def test_sal01_api_bad_registration_is_422_naming_fields_nothing_written(sales, client):
    body = {"kind": "fax", "source": "radio", "caller_name": ""}
    response = client.post("/api/v1/sales/leads", json=body, headers=_auth(sales))
    assert response.status_code == 422
    assert {"kind", "source", "project_id"} <= set(response.json["error"]["fields"])
    # A name is required unless the caller declined to leave details.
    body = {"kind": "call", "project_id": sales.project.id, "caller_name": " "}
    response = client.post("/api/v1/sales/leads", json=body, headers=_auth(sales))
    assert "caller_name" in response.json["error"]["fields"]
    assert _count(Reception) == _count(Customer) == _count(CustomerCodeSequence) == 0


def test_sal08_api_refuses_a_rep_chosen_for_a_walk_in(sales, client):
    body = {**WALK_IN, "project_id": sales.project.id, "rep_id": sales.reps[2].id}
    response = client.post("/api/v1/sales/leads", json=body, headers=_auth(sales))
    assert response.status_code == 422 and "rep_id" in response.json["error"]["fields"]
    assert _count(Reception) == 0


def test_sal06_api_customer_list_filters_and_file_patch(sales, client):
    first = register(sales, phone="1").customer
    register(sales, kind="call", phone="2")  # due DAY + 7
    headers = _auth(sales)
    url = "/api/v1/sales/customers"
    assert client.get(f"{url}?rep_id={sales.reps[0].id}", headers=headers).json["total"] == 2
    assert client.get(f"{url}?due_before=2026-11-27", headers=headers).json["total"] == 1
    assert client.get(f"{url}?grade=D", headers=headers).status_code == 422
    patch = {"grade": "A", "occupation": "doctor", "objections": ["view"], "purpose": "investment"}
    response = client.patch(f"{url}/{first.id}", json=patch, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json["grade"] == "A" and response.json["objections"] == ["view"]
    assert client.get(f"{url}?grade=A", headers=headers).json["total"] == 1
    # The code and the rep are not the file's to change.
    response = client.patch(f"{url}/{first.id}", json={"code": "X", "rep_id": 1}, headers=headers)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"code", "rep_id"}


def test_sal05_api_follow_up_moves_due_date(sales, client):
    customer = register(sales, phone="1").customer
    url = f"/api/v1/sales/customers/{customer.id}/follow-ups"
    body = {"on": "2026-11-25", "channel": "sms", "content": "sent prices", "grade": "B"}
    response = client.post(url, json=body, headers=_auth(sales))
    assert response.status_code == 201, response.text
    assert response.json["next_due_on"] == "2026-12-02"  # B: 7 days
    bad = client.post(url, json={"channel": "fax", "objections": ["ugly"]}, headers=_auth(sales))
    assert bad.status_code == 422
    assert set(bad.json["error"]["fields"]) == {"channel", "objections"}
    assert _count(FollowUp) == 1


def test_api_customer_of_another_company_is_not_found(sales, client):
    from core.plugins import state

    state.enable(sales.world.b, "sales")
    customer = register(sales, phone="1").customer
    headers = {"Authorization": f"Bearer {create_token(sales.world.admin_b, sales.world.b, 'b')}"}
    db.session.commit()
    assert client.get(f"/api/v1/sales/customers/{customer.id}", headers=headers).status_code == 404


def test_sal01_reception_screen_registers_a_walk_in(sales, client):
    from plugins.sales.leads import rotation, services

    today = services.china_time().date()
    rotation.set_roster(sales.company, sales.project, today, [r.id for r in sales.reps])
    db.session.commit()
    login(client, "rep-a@example.com")
    page = client.get("/admin/sales_reception/?kind=walk_in")
    assert page.status_code == 200 and "Reception register" in page.text
    form = {"project_id": sales.project.id, "caller_name": "李四", "phone": "9", "source": "web"}
    response = client.post("/admin/sales_reception/?kind=walk_in", data=form)
    assert response.status_code == 302, response.text
    customer = db.session.scalar(select(Customer))
    assert customer.code == "LY-LS001" and customer.visit_count == 1
    assert "LY-LS001" in client.get("/admin/sales_reception/").text


def test_sal05_follow_up_screens_rep_and_site_manager(sales, client):
    login(client, "rep-a@example.com")
    assert client.get("/admin/sales_my_follow_ups/").status_code == 200
    assert client.get("/admin/sales_my_follow_ups/site").status_code == 403
    assert client.get("/admin/sales_customers/?flt0_0=A").status_code == 200
    customer = register(sales).customer
    page = client.get(f"/admin/sales_customers/details/?id={customer.id}")
    assert page.status_code == 200 and customer.code in page.text
    assert client.get(f"/admin/sales_customers/edit/?id={customer.id}").status_code == 200
    login(client, "admin-a@example.com")
    assert client.get("/admin/sales_my_follow_ups/site").status_code == 200
    assert client.get("/admin/sales_roster/").status_code == 200
