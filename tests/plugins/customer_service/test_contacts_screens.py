"""Contacts screens and API (CS-14, CS-15): the work log with its filters, sign-offs,
escalations, coordination requests, visit rounds; the API answers 422 naming the field."""

from datetime import timedelta

from sqlalchemy import select

from core.api.openapi import undocumented
from core.auth.services import create_token
from core.duties import today
from core.extensions import db
from core.tenancy import company_scope
from plugins.customer_service.contacts import visits
from plugins.customer_service.contacts.models import (
    CoordinationRequest,
    Escalation,
    LogEntry,
    LogSignOff,
    VisitRound,
)
from plugins.customer_service.models import Household
from tests.conftest import login
from tests.plugins.customer_service.cs_setup import make_sale
from tests.plugins.customer_service.test_contacts_log import MONDAY, WEDNESDAY, log


def bearer(user, company) -> dict:
    return {"Authorization": f"Bearer {create_token(user, company, 'test')}"}


def test_cs14_work_log_screen_logs_filters_and_asks_deletion(cs, client):
    sale = make_sale(cs, 1)
    other = make_sale(cs, 2, rep=cs.cs_rep2)
    log(cs, other.customer_id, "二号客户来电", rep=cs.cs_rep2, on=WEDNESDAY)
    login(client, cs.cs_rep.email)
    posted = client.post(
        "/admin/cs_work_log/new",
        data={
            "customer_id": sale.customer_id,
            "kind": "visit",
            "summary": "客户来访要求更换瓷砖",
            "within_authority": "false",
            "escalation_subject": "瓷砖更换费用",
        },
    )
    assert posted.status_code == 302
    with company_scope(cs.a.id):
        entry = db.session.scalars(select(LogEntry).where(LogEntry.rep_id == cs.cs_rep.id)).one()
        assert db.session.scalars(select(Escalation)).one().subject == "瓷砖更换费用"
    page = client.get("/admin/cs_work_log/", query_string={"rep_id": cs.cs_rep.id})
    assert page.text.count('class="log-entry') == 1 and "Referred to the CS manager" in page.text
    page = client.get("/admin/cs_work_log/", query_string={"week": "2026-W47"})
    assert page.text.count('class="log-entry') == 1 and "二号客户来电" in page.text
    page = client.get("/admin/cs_work_log/", query_string={"customer": other.customer.name})
    assert page.text.count('class="log-entry') == 1
    refused = client.post("/admin/cs_work_log/new", data={"customer_id": sale.customer_id})
    assert "summary" in client.get(refused.headers["Location"]).text
    client.post(f"/admin/cs_work_log/{entry.id}/delete", data={"reason": "重复记录"})
    assert "deletion waits for the VP" in client.get("/admin/cs_work_log/").text


def test_cs14_signoff_screen_manager_signs(cs, client):
    sale = make_sale(cs, 1)
    log(cs, sale.customer_id, on=MONDAY)
    login(client, cs.cs_rep.email)
    refused = client.post("/admin/cs_log_signoffs/sign", data={"rep_id": cs.cs_rep.id})
    assert refused.status_code == 403
    client.post("/logout")
    login(client, cs.cs_manager.email)
    client.post(
        "/admin/cs_log_signoffs/sign",
        data={"rep_id": cs.cs_rep.id, "week": "2026-W47", "comment": "已阅"},
    )
    page = client.get("/admin/cs_log_signoffs/")
    assert page.status_code == 200 and "2026-W47" in page.text and "已阅" in page.text
    with company_scope(cs.a.id):
        assert db.session.scalars(select(LogSignOff)).one().entries == 1


def test_cs14_escalation_and_coordination_screens(cs, client):
    sale = make_sale(cs, 1)
    entry = log(cs, sale.customer_id, "要求延期交房补偿", within_authority=False)
    login(client, cs.vp.email)  # the VP sees escalations (not the work log)
    assert client.get("/admin/cs_escalations/").status_code == 200
    client.post("/logout")
    login(client, cs.cs_manager.email)
    with company_scope(cs.a.id):
        escalation_id = db.session.scalars(select(Escalation.id)).one()
    client.post(f"/admin/cs_escalations/{escalation_id}/escalate", data={"text": "需VP决定"})
    page = client.get("/admin/cs_escalations/")
    assert "需VP决定" in page.text and "VP" in page.text
    client.post(
        "/admin/cs_coordination/new",
        data={
            "department": "engineering",
            "customer_id": sale.customer_id,
            "subject": "核实交房日期",
            "due_on": (today() + timedelta(days=3)).isoformat(),
        },
    )
    page = client.get("/admin/cs_coordination/")
    assert page.text.count('class="coordination') == 1 and "Engineering" in page.text
    with company_scope(cs.a.id):
        request_id = db.session.scalars(select(CoordinationRequest.id)).one()
    client.post(f"/admin/cs_coordination/{request_id}/done", data={"result": "已核实"})
    assert client.get("/admin/cs_coordination/").text.count('class="coordination') == 0
    assert entry.id


def test_cs15_visit_round_screens_plan_call_and_file(cs, client):
    for n in (1, 2):
        make_sale(cs, n)
    with company_scope(cs.a.id):
        ids = list(db.session.scalars(select(Household.id).order_by(Household.id)))
    login(client, cs.cs_rep.email)
    refused = client.post(
        "/admin/cs_visit_rounds/plan",
        data={"rep_id": cs.cs_rep.id, "planned_on": WEDNESDAY.isoformat(), "household_ids": ids[0]},
    )
    assert "at least 2" in client.get(refused.headers["Location"]).text
    client.post(
        "/admin/cs_visit_rounds/plan",
        data={"rep_id": cs.cs_rep.id, "planned_on": WEDNESDAY.isoformat(), "household_ids": ids},
    )
    with company_scope(cs.a.id):
        round_ = db.session.scalars(select(VisitRound)).one()
        first_visit = round_.visits[0].id
    page = client.get("/admin/cs_visit_rounds/")
    assert page.text.count('class="visit-round') == 1
    client.post(f"/admin/cs_visit_rounds/visit/{first_visit}/call", data={"note": "约好了"})
    client.post(
        f"/admin/cs_visit_rounds/visit/{first_visit}/record",
        data={
            "visited": "yes",
            "record": "客户满意",
            "issue_0_subject": "门禁卡补办",
            "issue_0_department": "property_company",
            "issue_0_due_on": (today() + timedelta(days=5)).isoformat(),
        },
    )
    page = client.get(f"/admin/cs_visit_rounds/{round_.id}")
    assert page.status_code == 200 and "客户满意" in page.text
    with company_scope(cs.a.id):
        assert db.session.scalars(select(CoordinationRequest)).one().department == (
            "property_company"
        )
        assert db.session.scalars(visits.calls_due(today())).all() != []  # the second visit


def test_cs14_api_logs_lists_and_refuses_naming_the_field(cs, client):
    sale = make_sale(cs, 1)
    headers = bearer(cs.cs_rep, cs.a)
    created = client.post(
        "/api/v1/cs/log",
        json={"customer_id": sale.customer_id, "kind": "call", "summary": "问询按揭"},
        headers=headers,
    )
    assert created.status_code == 201 and created.json["outcome"] == "settled"
    bad = client.post("/api/v1/cs/log", json={"customer_id": sale.customer_id}, headers=headers)
    assert bad.status_code == 422 and {"kind", "summary"} <= set(bad.json["error"]["fields"])
    week = created.json["week"]
    page = client.get("/api/v1/cs/log", query_string={"week": week}, headers=headers).json
    assert page["total"] == 1
    asked = client.post(
        f"/api/v1/cs/log/{created.json['id']}/delete-request",
        json={"reason": "录入错误"},
        headers=headers,
    )
    assert asked.status_code == 202 and asked.json["status"] == "pending"
    denied = client.post(
        "/api/v1/cs/log/sign-offs", json={"rep_id": cs.cs_rep.id, "week": week}, headers=headers
    )
    assert denied.status_code == 403
    referred = client.post(
        "/api/v1/cs/log",
        json={
            "customer_id": sale.customer_id,
            "kind": "visit",
            "summary": "要求退定金",
            "within_authority": False,
        },
        headers=headers,
    ).json
    manager = bearer(cs.cs_manager, cs.a)
    [escalation_id] = referred["escalation_ids"]
    answered = client.post(
        f"/api/v1/cs/escalations/{escalation_id}/answer", json={"answer": "已答复"}, headers=manager
    )
    assert answered.status_code == 200 and answered.json["answered_at"]
    coordination = client.post(
        "/api/v1/cs/coordination",
        json={"department": "finance", "subject": "核对到账", "due_on": "2020-01-01"},
        headers=headers,
    )
    assert coordination.status_code == 422 and "due_on" in coordination.json["error"]["fields"]


def test_cs15_api_plans_rounds_and_files_records(cs, client):
    for n in (1, 2):
        make_sale(cs, n)
    with company_scope(cs.a.id):
        ids = list(db.session.scalars(select(Household.id).order_by(Household.id)))
    headers = bearer(cs.cs_rep, cs.a)
    body = {"rep_id": cs.cs_rep.id, "planned_on": WEDNESDAY.isoformat(), "household_ids": ids}
    short = client.post("/api/v1/cs/visit-rounds", json={**body, "household_ids": ids[:1]})
    assert short.status_code == 401
    short = client.post(
        "/api/v1/cs/visit-rounds", json={**body, "household_ids": ids[:1]}, headers=headers
    )
    assert short.status_code == 422 and "household_ids" in short.json["error"]["fields"]
    created = client.post("/api/v1/cs/visit-rounds", json=body, headers=headers)
    assert created.status_code == 201 and len(created.json["visits"]) == 2
    visit_id = created.json["visits"][0]["id"]
    called = client.post(f"/api/v1/cs/visits/{visit_id}/call", json={}, headers=headers)
    assert called.status_code == 200 and called.json["called_on"]
    filed = client.post(
        f"/api/v1/cs/visits/{visit_id}/record",
        json={"record": "客户反映噪音", "issues": [{"subject": "楼上装修噪音"}]},
        headers=headers,
    )
    assert filed.status_code == 200 and filed.json["status"] == "visited"
    escalations = client.get("/api/v1/cs/escalations", headers=headers).json
    assert [x["subject"] for x in escalations["items"]] == ["楼上装修噪音"]
    listed = client.get("/api/v1/cs/visit-rounds", headers=headers).json
    assert listed["total"] == 1
    due = client.get("/api/v1/cs/visits/calls-due", headers=headers).json
    assert [v["id"] for v in due["items"]] == [created.json["visits"][1]["id"]]


def test_cs14_cs15_cs16_every_route_documented(cs, app, client):
    doc = client.get("/api/v1/openapi.json").json
    mine = ("/cs/log", "/cs/escalations", "/cs/coordination", "/cs/visit", "/cs/people")
    mine += ("/cs/birthdays", "/cs/newsletters", "/cs/events")
    assert [r for r in undocumented(app, doc) if r.split(" ")[1].startswith(mine)] == []
    assert "/cs/log" in doc["paths"] and "/cs/events/{event_id}/held" in doc["paths"]
