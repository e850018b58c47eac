"""The households and staffing screens and API (CS-01, CS-02)."""

from core.api.openapi import undocumented
from core.auth.services import create_token
from core.extensions import db
from core.tenancy import company_scope
from plugins.customer_service.staffing import services
from tests.conftest import login
from tests.plugins.customer_service.test_staffing_services import loads, sell

HOUSEHOLDS = "/api/v1/cs/households"


def bearer(user, company) -> dict:
    return {"Authorization": f"Bearer {create_token(user, company, 'test')}"}


def test_cs01_households_api_lists_rep_and_filters_by_rep_and_project(cs, client):
    households = sell(cs, 1, 2, 3)
    headers = bearer(cs.cs_rep, cs.a)
    page = client.get(HOUSEHOLDS, headers=headers).json
    assert page["total"] == 3
    item = page["items"][0]
    assert item["project"] == "Peony Garden" and item["unit"] == households[0].unit.label
    assert item["customer"] == households[0].customer.name and item["rep"]
    mine = client.get(HOUSEHOLDS, query_string={"rep": cs.cs_rep.id}, headers=headers).json
    assert {i["rep_id"] for i in mine["items"]} == {cs.cs_rep.id} and mine["total"] == 2
    other = client.get(HOUSEHOLDS, query_string={"project": 999}, headers=headers).json
    assert other["total"] == 0
    bad = client.get(HOUSEHOLDS, query_string={"rep": "x"}, headers=headers)
    assert bad.status_code == 422 and "rep" in bad.json["error"]["fields"]


def test_cs01_reassign_api_manager_only_and_rep_must_serve_the_project(cs, client):
    [household] = sell(cs, 1)
    other = cs.cs_rep2 if household.rep_id == cs.cs_rep.id else cs.cs_rep
    url = f"{HOUSEHOLDS}/{household.id}/reassign"
    denied = client.post(url, json={"rep_id": other.id}, headers=bearer(cs.cs_rep, cs.a))
    assert denied.status_code == 403
    manager = bearer(cs.cs_manager, cs.a)
    wrong = client.post(url, json={"rep_id": cs.rep.id}, headers=manager)
    assert wrong.status_code == 422 and "rep_id" in wrong.json["error"]["fields"]
    done = client.post(url, json={"rep_id": other.id}, headers=manager)
    assert done.status_code == 200 and done.json["rep_id"] == other.id
    with company_scope(cs.a.id):
        assert services.rep_of(household.unit_id).id == other.id


def test_cs02_staffing_api_pool_and_rebalance(cs, client):
    sell(cs, 1, 2, 3, 4)
    manager = bearer(cs.cs_manager, cs.a)
    url = f"/api/v1/cs/staffing/{cs.project_a.id}"
    report = client.get(url, headers=bearer(cs.cs_rep, cs.a)).json
    assert report["households"] == 4 and report["required_reps"] == 1
    assert report["actual_reps"] == 2 and report["overstaffed"] and report["balanced"]
    pool = client.put(url + "/pool", json={"user_ids": [cs.cs_rep2.id]}, headers=manager).json
    assert pool["moved"] == 2 and pool["actual_reps"] == 1 and not pool["overstaffed"]
    assert loads(cs) == {cs.cs_rep2.id: 4}
    back = client.put(url + "/pool", json={"user_ids": []}, headers=manager).json
    assert back["moved"] == 2 and back["balanced"]
    leave = client.post(f"/api/v1/cs/reps/{cs.cs_rep.id}/leave", headers=manager)
    assert leave.json == {"moved": 2} and loads(cs) == {cs.cs_rep2.id: 4}
    assert client.post(url + "/rebalance", headers=manager).json["moved"] == 0
    assert client.get("/api/v1/cs/staffing/999", headers=manager).status_code == 404
    other = client.get(f"/api/v1/cs/staffing/{cs.project_b.id}", headers=manager)
    assert other.status_code == 404  # another company's project


def test_cs02_every_staffing_route_documented(cs, app, client):
    doc = client.get("/api/v1/openapi.json").json
    missing = [r for r in undocumented(app, doc) if "/cs/" in r]
    assert not [r for r in missing if any(p in r for p in ("households", "staffing", "reps/",
                                                              "surveys", "satisfaction",
                                                              "segment"))]  # fmt: skip


def test_cs01_households_screen_filters_and_manager_reassigns(cs, client):
    households = sell(cs, 1, 2)
    login(client, cs.cs_rep.email)
    page = client.get("/admin/cs_households/")
    assert page.status_code == 200
    assert households[0].unit.label in page.text and households[0].customer.name in page.text
    assert "Reassign" not in page.text  # a rep sees, a manager assigns
    mine = client.get("/admin/cs_households/", query_string={"rep": cs.cs_rep2.id})
    assert households[1].unit.label in mine.text and households[0].unit.label not in mine.text
    target = f"/admin/cs_households/{households[0].id}/reassign"
    assert client.post(target, data={"rep_id": cs.cs_rep2.id}).status_code == 403
    client.post("/logout")
    login(client, cs.cs_manager.email)
    assert "Reassign" in client.get("/admin/cs_households/").text
    answer = client.post(target, data={"rep_id": cs.cs_rep2.id}, follow_redirects=True)
    assert answer.status_code == 200
    db.session.expire_all()
    assert loads(cs) == {cs.cs_rep.id: 0, cs.cs_rep2.id: 2}


def test_cs02_staffing_screens_show_required_actual_and_loads(cs, client):
    sell(cs, 1, 2, 3)
    login(client, cs.cs_manager.email)
    overview = client.get("/admin/cs_staffing/")
    assert overview.status_code == 200 and "Peony Garden" in overview.text
    assert "Overstaffed" in overview.text and "160–200" in overview.text
    detail = client.get(f"/admin/cs_staffing/{cs.project_a.id}")
    assert "Sold households: 3;" in detail.text
    assert "reps required: 1; reps holding households: 2." in detail.text
    answer = client.post(
        f"/admin/cs_staffing/{cs.project_a.id}/pool",
        data={"user_ids": [str(cs.cs_rep.id)]},
        follow_redirects=True,
    )
    assert "1 households moved." in answer.text
    assert loads(cs) == {cs.cs_rep.id: 3}
    assert client.get(f"/admin/cs_staffing/{cs.project_b.id}").status_code == 404
