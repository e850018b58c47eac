"""CS-13 complaints through the screens, the API and the demo."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core import approvals
from core.auth.services import create_token
from core.extensions import db
from core.tenancy import company_scope
from plugins.customer_service.complaints import demo, services
from plugins.customer_service.complaints.models import Complaint, ComplaintStatus, ReplyStatus
from tests.conftest import login
from tests.plugins.customer_service.cs_setup import make_sale, person


def _headers(cs, user):
    return {"Authorization": f"Bearer {create_token(user, cs.a, 't')}"}


def _old(hours: int) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).isoformat()


def test_cs13_api_records_lists_overdue_and_counts(cs, client):
    contract = make_sale(cs, 1)
    headers = _headers(cs, cs.cs_rep)
    body = {
        "unit_id": contract.unit_id,
        "channel": "phone",
        "category": "quality",
        "content": "外墙开裂",
        "section": "一标段",
        "received_at": _old(50),
    }
    created = client.post("/api/v1/cs/complaints", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json["status"] == "open" and created.json["customer_id"] == contract.customer_id
    fresh = client.post(
        "/api/v1/cs/complaints", json={**body, "received_at": _old(1)}, headers=headers
    )
    bad = client.post("/api/v1/cs/complaints", json={**body, "category": "noise"}, headers=headers)
    assert bad.status_code == 422 and "category" in bad.json["error"]["fields"]
    overdue = client.get("/api/v1/cs/complaints?overdue=answer", headers=headers).json
    assert [c["id"] for c in overdue["items"]] == [created.json["id"]]
    answered = client.post(
        f"/api/v1/cs/complaints/{fresh.json['id']}/answer", json={"text": "已回电"}, headers=headers
    )
    assert answered.status_code == 200 and answered.json["status"] == "answered"
    again = client.post(
        f"/api/v1/cs/complaints/{fresh.json['id']}/answer", json={"text": "再次"}, headers=headers
    )
    assert again.status_code == 409
    month = datetime.now(UTC).strftime("%Y-%m")
    figures = client.get(f"/api/v1/cs/complaints/statistics?month={month}", headers=headers).json
    assert figures["complaints"] >= 1 and figures["rate"] is None  # nothing delivered
    assert (
        client.get("/api/v1/cs/complaints/statistics?month=11-2026", headers=headers).status_code
        == 422
    )
    dispute = client.post(
        f"/api/v1/cs/complaints/{created.json['id']}/dispute",
        json={"reason": "lawsuit"},
        headers=headers,
    )
    assert dispute.status_code == 403  # a rep does not handle legal disputes
    dispute = client.post(
        f"/api/v1/cs/complaints/{created.json['id']}/dispute",
        json={"reason": "lawsuit"},
        headers=_headers(cs, cs.cs_manager),
    )
    assert (
        dispute.json["status"] == "legal_dispute" and dispute.json["dispute"]["reason"] == "lawsuit"
    )


def test_cs13_api_written_reply_goes_to_the_vp(cs, client):
    approvals.install_default_flows(cs.a)
    contract = make_sale(cs, 1)
    headers = _headers(cs, cs.cs_rep)
    body = {
        "unit_id": contract.unit_id,
        "channel": "letter",
        "category": "contract",
        "content": "面积差价",
    }
    complaint = client.post("/api/v1/cs/complaints", json=body, headers=headers).json
    assert complaint["reply_status"] == "to_write" and complaint["reply_due_on"]
    sent = client.post(
        f"/api/v1/cs/complaints/{complaint['id']}/reply", json={"text": "答复"}, headers=headers
    )
    assert sent.json["reply_status"] == "pending_approval"
    with company_scope(cs.a.id):
        (request,) = approvals.pending_for(cs.vp, cs.a)
    assert request.owner_id == complaint["id"]


def test_cs13_screens_list_overdue_record_and_statistics(cs, client):
    contract = make_sale(cs, 1)
    with company_scope(cs.a.id):
        late = services.record(
            cs.a,
            cs.cs_rep,
            {
                "unit_id": contract.unit_id,
                "channel": "phone",
                "category": "quality",
                "content": "渗水",
                "received_at": _old(60),
            },
        )
        db.session.commit()
    login(client, cs.cs_rep.email)
    page = client.get("/admin/cs_complaints/?overdue=any")
    assert page.status_code == 200 and "table-danger" in page.text and "渗水" in page.text
    assert "Construction quality" in page.text  # the category's label, not its code
    form = client.get("/admin/cs_complaints/new")
    assert form.status_code == 200 and contract.unit.label in form.text
    posted = client.post(
        "/admin/cs_complaints/new",
        data={
            "unit_id": contract.unit_id,
            "channel": "in_person",
            "category": "service",
            "content": "态度差",
            "written_reply": "0",
        },
    )
    assert posted.status_code == 302
    refused = client.post(
        "/admin/cs_complaints/new",
        data={
            "unit_id": contract.unit_id,
            "channel": "in_person",
            "category": "nope",
            "content": "x",
        },
    )
    assert refused.status_code == 400
    detail = client.get(f"/admin/cs_complaints/{late.id}")
    assert detail.status_code == 200 and "Overdue." in detail.text
    resolved = client.post(f"/admin/cs_complaints/{late.id}/resolve", data={"resolution": "已修复"})
    assert resolved.status_code == 302
    db.session.expire_all()
    with company_scope(cs.a.id):
        assert db.session.get(Complaint, late.id).status == ComplaintStatus.resolved
    stats = client.get("/admin/cs_complaint_stats/")
    assert stats.status_code == 200 and "In person" not in stats.text and "Service" in stats.text


def test_cs13_demo_has_open_overdue_resolved_and_a_reply_pending_vp(cs):
    for email, role in (("cs-rep@ly.example.com", "cs_rep"), ("lawyer@ly.example.com", "lawyer")):
        person(cs, email, role)
    for n in range(1, 7):
        make_sale(cs, n)
    demo(cs.a)
    demo(cs.a)  # a second run adds nothing
    with company_scope(cs.a.id):
        complaints = db.session.scalars(select(Complaint)).all()
        overdue = db.session.scalars(
            select(Complaint.id).where(services.overdue_clause("any"))
        ).all()
    statuses = sorted(str(c.status) for c in complaints)
    assert statuses == ["answered", "closed", "legal_dispute", "open", "open", "resolved"]
    assert len(overdue) >= 2  # the answer past 48 hours and the follow-up call
    assert [
        c.reply_status for c in complaints if c.channel == "letter" and c.status == "answered"
    ] == [ReplyStatus.pending_approval]
