"""Greetings screens and API (CS-16): family members and birthdays, the week's birthdays, the
newsletter editor with "send now", customer events."""

from datetime import date

from sqlalchemy import select

from core.extensions import db
from core.models.letters import Letter
from core.tenancy import company_scope
from plugins.customer_service.greetings.models import CustomerEvent, Newsletter, Person
from tests.conftest import login
from tests.plugins.customer_service.cs_setup import make_sale
from tests.plugins.customer_service.test_contacts_screens import bearer


def test_cs16_family_screen_adds_members_and_refuses_a_second_self(cs, client):
    sale = make_sale(cs, 1)
    login(client, cs.cs_rep.email)
    form = {
        "customer": sale.customer_id,
        "name": "张伟1",
        "relation": "self",
        "birthday": "1980-11-26",
    }
    assert client.post("/admin/cs_people/new/", data=form).status_code == 302
    again = client.post(
        "/admin/cs_people/new/", data={**form, "name": "张伟"}, follow_redirects=True
    )
    assert "already" in again.text
    client.post("/admin/cs_people/new/", data={**form, "name": "李娜", "relation": "spouse"})
    with company_scope(cs.a.id):
        people = db.session.scalars(select(Person).order_by(Person.id)).all()
        assert [(p.name, p.birthday_mmdd) for p in people] == [("张伟1", 1126), ("李娜", 1126)]
    page = client.get("/admin/cs_people/")
    assert page.status_code == 200 and "Spouse" in page.text
    week = client.get("/admin/cs_birthdays/", query_string={"week": "2026-W48"})
    assert week.text.count('class="birthday"') == 2 and "not yet" in week.text


def test_cs16_newsletter_editor_and_send_now(cs, client):
    make_sale(cs, 1)
    login(client, cs.cs_manager.email)
    form = {
        "project": cs.project_a.id,
        "month": "2026-11",
        "title": "业主通讯",
        "body": "主体封顶。",
    }
    assert client.post("/admin/cs_newsletters/new/", data=form).status_code == 302
    with company_scope(cs.a.id):
        newsletter = db.session.scalars(select(Newsletter)).one()
    page = client.get("/admin/cs_newsletters/")
    assert "Send now" in page.text
    sent = client.post(f"/admin/cs_newsletters/send/{newsletter.id}", follow_redirects=True)
    assert "Queued to 1 households" in sent.text
    with company_scope(cs.a.id):
        assert db.session.scalars(select(Letter.step)).all() == ["2026-11"]
    client.post("/logout")
    login(client, cs.clerk.email)  # sees, may not send
    assert client.post(f"/admin/cs_newsletters/send/{newsletter.id}").status_code == 403


def test_cs16_events_screen_lists_overdue_forum(cs, client):
    with company_scope(cs.a.id):
        db.session.add(
            CustomerEvent(
                company_id=cs.a.id,
                project_id=cs.project_a.id,
                kind="forum",
                period="2026-H1",
                title="客户座谈会 2026-H1",
                due_by=date(2026, 6, 30),
            )
        )
        db.session.commit()
    login(client, cs.cs_rep.email)
    page = client.get("/admin/cs_events/")
    assert "overdue" in page.text and "Customer forum" in page.text


def test_cs16_api_people_birthdays_newsletters_events(cs, client):
    sale = make_sale(cs, 1)
    headers = bearer(cs.cs_rep, cs.a)
    person = {"customer_id": sale.customer_id, "name": "张小明", "relation": "child"}
    created = client.post(
        "/api/v1/cs/people", json={**person, "birthday": "2015-11-25"}, headers=headers
    )
    assert created.status_code == 201
    bad = client.post("/api/v1/cs/people", json={**person, "relation": "cousin"}, headers=headers)
    assert bad.status_code == 422 and "relation" in bad.json["error"]["fields"]
    week = client.get("/api/v1/cs/birthdays", query_string={"week": "2026-W48"}, headers=headers)
    assert [p["name"] for p in week.json["items"]] == ["张小明"]
    assert client.get("/api/v1/cs/birthdays", headers=headers).status_code == 422
    patched = client.patch(
        f"/api/v1/cs/people/{created.json['id']}", json={"note": "在读小学"}, headers=headers
    )
    assert patched.status_code == 200 and patched.json["note"] == "在读小学"
    newsletter = client.post(
        "/api/v1/cs/newsletters",
        json={"project_id": cs.project_a.id, "month": "2026-11", "title": "通讯", "body": "进展"},
        headers=headers,
    )
    assert newsletter.status_code == 201
    sent = client.post(f"/api/v1/cs/newsletters/{newsletter.json['id']}/send", headers=headers)
    assert sent.status_code == 202 and sent.json == {"households": 1}
    event = {
        "project_id": cs.project_a.id,
        "kind": "holiday",
        "period": "2026-mid_autumn",
        "title": "中秋联欢会",
        "due_by": "2026-09-25",
    }
    made = client.post("/api/v1/cs/events", json=event, headers=headers)
    assert made.status_code == 201
    twice = client.post("/api/v1/cs/events", json=event, headers=headers)
    assert twice.status_code == 422 and "period" in twice.json["error"]["fields"]
    held = client.post(
        f"/api/v1/cs/events/{made.json['id']}/held",
        json={"held_on": "2026-09-25", "attendees": 80},
        headers=headers,
    )
    assert held.status_code == 200 and held.json["attendees"] == 80
    gone = client.delete(f"/api/v1/cs/people/{created.json['id']}", headers=headers)
    assert gone.status_code == 204
