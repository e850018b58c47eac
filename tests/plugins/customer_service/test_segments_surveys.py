"""Satisfaction surveys and segment tags (CS-21): services, API and screens."""

from datetime import timedelta
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from core.auth.services import create_token
from core.duties import today
from core.extensions import db
from core.services.companies import create_project
from core.tenancy import company_scope
from plugins.customer_service.staffing import segments
from plugins.customer_service.staffing.models import Segment, SegmentTag, Survey
from tests.conftest import login
from tests.plugins.customer_service.cs_setup import make_customer
from tests.plugins.customer_service.test_staffing_services import sell


def bearer(user, company) -> dict:
    return {"Authorization": f"Bearer {create_token(user, company, 'test')}"}


def survey(w, customer, score, **extra):
    with company_scope(w.a.id):
        return segments.record_survey(
            w.a, w.cs_rep, {"customer_id": customer.id, "score": score, **extra}
        )


def test_cs21_survey_records_date_score_comments_and_who(cs):
    [household] = sell(cs, 1)
    day = today() - timedelta(days=2)
    record = survey(cs, household.customer, 4, surveyed_on=day, comments="物业响应快")
    with company_scope(cs.a.id):
        db.session.expire_all()
        saved = db.session.get(Survey, record.id)
        assert (saved.surveyed_on, saved.score, saved.comments) == (day, 4, "物业响应快")
        assert saved.surveyed_by_id == cs.cs_rep.id and saved.project_id == cs.project_a.id


@pytest.mark.parametrize(
    "data, field",
    [({"score": 0}, "score"), ({"score": 6}, "score"), ({"score": None}, "score"),
     ({"score": 3, "surveyed_on": today() + timedelta(days=1)}, "surveyed_on"),
     ({"score": 3, "customer_id": 999999}, "customer_id")],
)  # fmt: skip
def test_cs21_bad_survey_refused_naming_the_field(cs, data, field):
    customer = make_customer(cs, 1)
    with company_scope(cs.a.id), pytest.raises(ValidationError) as refused:
        segments.record_survey(cs.a, cs.cs_rep, {"customer_id": customer.id, **data})
    assert field in refused.value.messages
    with company_scope(cs.a.id):
        assert db.session.query(Survey).count() == 0


def test_cs21_average_satisfaction_per_project(cs):
    with company_scope(cs.a.id):
        villas = create_project(cs.a, {"name": "Villas", "type": "villa", "region_code": "LY"})
        db.session.commit()
    a, b = sell(cs, 1, 2)
    survey(cs, a.customer, 5)
    survey(cs, b.customer, 4)
    survey(cs, a.customer, 4, surveyed_on=today() - timedelta(days=40))
    with company_scope(cs.a.id):
        elsewhere = make_customer(cs, 3)
        elsewhere.project_id = villas.id  # came to the villas, bought nothing yet
        db.session.commit()
    survey(cs, elsewhere, 2)
    with company_scope(cs.a.id):
        rows = {r["project"].name: (r["average"], r["surveys"]) for r in segments.satisfaction()}
        recent = segments.satisfaction(first=today() - timedelta(days=30))
    assert rows == {"Peony Garden": (Decimal("4.33"), 3), "Villas": (Decimal("2.00"), 1)}
    assert [
        (r["average"], r["surveys"]) for r in recent if r["project"].name == "Peony Garden"
    ] == [(Decimal("4.50"), 2)]


def test_cs21_segment_tag_one_per_customer_retag_replaces(cs):
    customer = make_customer(cs, 1)
    with company_scope(cs.a.id):
        segments.tag_customer(cs.a, cs.cs_rep, customer.id, "young_family")
        segments.tag_customer(cs.a, cs.cs_manager, customer.id, Segment.school_children)
        tags = db.session.query(SegmentTag).all()
        assert [(t.segment, t.tagged_by_id) for t in tags] == [
            (Segment.school_children, cs.cs_manager.id)
        ]
        with pytest.raises(ValidationError) as refused:
            segments.tag_customer(cs.a, cs.cs_rep, customer.id, "millionaire")
        assert "segment" in refused.value.messages
        segments.untag_customer(cs.a, customer.id)
        assert db.session.query(SegmentTag).count() == 0
    assert {s.value for s in Segment} == {
        "first_home", "young_family", "school_children",
        "affluent_family", "empty_nesters", "active_seniors",
    }  # fmt: skip


def test_cs21_survey_and_segment_api(cs, client):
    [household] = sell(cs, 1)
    rep, clerk = bearer(cs.cs_rep, cs.a), bearer(cs.clerk, cs.a)
    body = {"customer_id": household.customer_id, "score": 5, "comments": "满意"}
    assert client.post("/api/v1/cs/surveys", json=body, headers=clerk).status_code == 403
    made = client.post("/api/v1/cs/surveys", json=body, headers=rep)
    assert made.status_code == 201 and made.json["surveyed_by"] and made.json["score"] == 5
    bad = client.post("/api/v1/cs/surveys", json={**body, "score": 7}, headers=rep)
    assert bad.status_code == 422 and "score" in bad.json["error"]["fields"]
    listed = client.get(
        "/api/v1/cs/surveys", query_string={"project": cs.project_a.id}, headers=clerk
    )
    assert listed.json["total"] == 1
    averages = client.get("/api/v1/cs/satisfaction", headers=clerk).json["items"]
    assert averages == [
        {"project_id": cs.project_a.id, "project": "Peony Garden", "average": "5.00", "surveys": 1}
    ]
    url = f"/api/v1/cs/customers/{household.customer_id}/segment"
    tagged = client.put(url, json={"segment": "empty_nesters"}, headers=rep)
    assert tagged.status_code == 200 and tagged.json["segment"] == "empty_nesters"
    wrong = client.put(url, json={"segment": "rich"}, headers=rep)
    assert wrong.status_code == 422 and "segment" in wrong.json["error"]["fields"]
    found = client.get(
        "/api/v1/cs/segments", query_string={"segment": "empty_nesters"}, headers=clerk
    )
    assert found.json["total"] == 1
    assert client.delete(url, headers=rep).status_code == 204
    assert client.get("/api/v1/cs/segments", headers=clerk).json["total"] == 0


def test_cs21_screens_record_survey_and_tag_with_labels(cs, client):
    [household] = sell(cs, 1)
    login(client, cs.cs_rep.email)
    answer = client.post(
        "/admin/cs_surveys/new/",
        data={"customer": household.customer_id, "surveyed_on": str(today()), "score": "3",
              "comments": "交房慢"},
        follow_redirects=True,
    )  # fmt: skip
    assert answer.status_code == 200
    listed = client.get("/admin/cs_surveys/")
    assert "交房慢" in listed.text and household.customer.name in listed.text
    client.post(
        "/admin/cs_segments/new/",
        data={"customer": household.customer_id, "segment": "affluent_family"},
    )
    tags = client.get("/admin/cs_segments/")
    cell = tags.text.split('class="col-segment">')[1].split("</td>")[0]
    assert cell.strip() == "Affluent family"  # the label, never the code
    assert "3.00" in client.get("/admin/cs_staffing/").text  # average satisfaction
    client.post("/logout")
    login(client, cs.clerk.email)
    assert client.get("/admin/cs_surveys/").status_code == 200
    assert client.get("/admin/cs_surveys/new/").status_code in (302, 403)
