"""Dunning screens and API (CS-10, CS-11): cases with the VP's hold, the meeting, the reps'
tasks with the investigation's outcome, the weekly lists; permissions and bad input."""

from datetime import date, timedelta
from unittest import mock

from sqlalchemy import select

from core.auth.services import create_token
from core.duties import run_due
from core.extensions import db
from core.tenancy import company_scope
from plugins.customer_service.dunning import ladder
from plugins.customer_service.dunning.models import DunningHold, DunningList, DunningTask, TaskKind
from tests.conftest import login
from tests.plugins.customer_service.cs_setup import make_sale

DUE = date(2026, 12, 1)
DAY = DUE + timedelta(days=35)  # past the demand letter: a meeting case
TODAY = "plugins.customer_service.dunning.{}.today"


def dunned(cs, n=1):
    contract = make_sale(cs, n, schedule=((DUE, "100000.00"), (date(2028, 1, 1), "900000.00")))
    with company_scope(cs.a.id):
        ladder.scan(cs.a, DAY)
        db.session.commit()
    return contract


def api(cs, user):
    token = create_token(user, cs.a, "dunning test")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_cs10_cases_and_meeting_screens_show_step_next_step_and_termination(cs, client):
    contract = dunned(cs)
    login(client, cs.cs_rep.email)
    with mock.patch(TODAY.format("admin"), return_value=DAY):
        page = client.get("/admin/cs_dunning_cases/")
        meeting = client.get("/admin/cs_dunning_meeting/")
    assert page.status_code == 200
    assert contract.number in page.text and "Demand letter" in page.text
    assert "Lawyer&#39;s letter" in page.text and str(DUE + timedelta(days=46)) in page.text
    assert "not yet: no proven demand" in page.text
    assert "Put on hold" not in page.text  # only the VP holds
    assert contract.number in meeting.text


def test_cs10_vp_holds_and_releases_a_case_on_the_screen(cs, client):
    contract = dunned(cs)
    login(client, cs.vp.email)
    url = f"/admin/cs_dunning_cases/hold/{contract.id}"
    assert client.post(url, data={"reason": ""}).status_code == 302
    with company_scope(cs.a.id):
        assert db.session.scalar(select(DunningHold)) is None
    client.post(url, data={"reason": "Paying through a relative next week"})
    with company_scope(cs.a.id):
        hold = db.session.scalar(select(DunningHold))
        assert hold.held_by_id == cs.vp.id and hold.released_at is None
    assert "On hold: Paying through a relative" in client.get("/admin/cs_dunning_cases/").text
    client.post(f"/admin/cs_dunning_cases/release/{hold.id}", data={"note": "paid half"})
    db.session.expire_all()  # changed by the request's own session
    with company_scope(cs.a.id):
        assert db.session.get(DunningHold, hold.id).released_at is not None


def test_cs10_rep_records_the_investigation_outcome_on_the_tasks_screen(cs, client):
    dunned(cs)
    login(client, cs.cs_rep.email)
    page = client.get("/admin/cs_dunning_tasks/")
    assert page.status_code == 200 and "Find out why the payment is late" in page.text
    with company_scope(cs.a.id):
        task = db.session.scalar(
            select(DunningTask).where(DunningTask.kind == TaskKind.investigation)
        )
    client.post(
        f"/admin/cs_dunning_tasks/{task.id}/outcome",
        data={"cause": "dunning_cause_company", "note": "Our receipt was never sent"},
    )
    db.session.expire_all()
    with company_scope(cs.a.id):
        task = db.session.get(DunningTask, task.id)
        assert task.needs_resolution and task.done_by_id == cs.cs_rep.id
    login(client, cs.cs_manager.email)
    assert "Our receipt was never sent" in client.get("/admin/cs_dunning_tasks/?resolve=1").text


def test_cs11_weekly_list_screen_and_csv(cs, client):
    contract = dunned(cs)
    run_due(cs.a, date(2027, 1, 8))  # a Friday
    with company_scope(cs.a.id):
        dunning_list = db.session.scalar(select(DunningList))
    login(client, cs.rep.email)  # the sales side reads it too
    lists = client.get("/admin/cs_dunning_lists/")
    assert lists.status_code == 200 and dunning_list.week in lists.text
    detail = client.get(f"/admin/cs_dunning_lists/{dunning_list.id}")
    assert contract.number in detail.text
    csv = client.get(f"/admin/cs_dunning_lists/{dunning_list.id}/csv")
    assert csv.mimetype == "text/csv" and contract.number in csv.text


def test_cs10_api_cases_hold_and_task_outcome(cs, client):
    contract = dunned(cs)
    rep = api(cs, cs.cs_rep)
    with mock.patch(TODAY.format("api"), return_value=DAY):
        found = client.get("/api/v1/cs/dunning/cases?meeting=true", headers=rep).get_json()
    [case] = found["items"]
    assert (case["contract"], case["step"], case["next_step"]) == (
        contract.number,
        "demand_letter",
        "lawyer_letter",
    )
    assert case["days_overdue"] == 35 and case["termination_from"] is None
    refused = client.post(
        f"/api/v1/cs/dunning/contracts/{contract.id}/hold", json={"reason": "x"}, headers=rep
    )
    assert refused.status_code == 403
    vp = api(cs, cs.vp)
    bad = client.post(f"/api/v1/cs/dunning/contracts/{contract.id}/hold", json={}, headers=vp)
    assert bad.status_code == 422 and "reason" in bad.get_json()["error"]["fields"]
    held = client.post(
        f"/api/v1/cs/dunning/contracts/{contract.id}/hold", json={"reason": "talks"}, headers=vp
    )
    assert held.status_code == 201
    tasks = client.get("/api/v1/cs/dunning/tasks?mine=true", headers=rep).get_json()["items"]
    investigation = next(t for t in tasks if t["kind"] == TaskKind.investigation)
    url = f"/api/v1/cs/dunning/tasks/{investigation['id']}/outcome"
    bad = client.post(url, json={"cause": "weather", "note": "x"}, headers=rep)
    assert bad.status_code == 422 and "cause" in bad.get_json()["error"]["fields"]
    done = client.post(url, json={"cause": "dunning_cause_customer", "note": "abroad"}, headers=rep)
    assert done.status_code == 200 and done.get_json()["needs_resolution"] is False


def test_cs10_every_dunning_endpoint_is_documented(cs, client):
    from flask import current_app

    from core.api.openapi import undocumented

    doc = client.get("/api/v1/openapi.json").json
    assert "/cs/dunning/cases" in doc["paths"]
    assert [m for m in undocumented(current_app, doc) if "/cs/dunning" in m] == []
