"""Engineering change screens and API (CS-19): request, price, route, signature, progress."""

import base64
import io

from sqlalchemy import select

from core import approvals
from core.auth.services import create_token
from core.extensions import db
from core.tenancy import company_scope
from plugins.customer_service.engineering.models import ChangeStatus, EngineeringChange
from tests.conftest import login
from tests.plugins.customer_service import test_engineering_changes as base
from tests.plugins.customer_service.cs_setup import D, make_sale
from tests.plugins.customer_service.test_engineering_changes import SCAN, request_of

eng = base.eng  # the shared fixture
BASE = "/admin/cs_engineering_changes/"
API = "/api/v1/cs/engineering/changes"


def _change(w) -> EngineeringChange:
    db.session.expire_all()
    with company_scope(w.a.id):
        return db.session.scalar(select(EngineeringChange))


def _approve(w, *users):
    with company_scope(w.a.id):
        for user in users:
            approvals.approve(request_of(_change(w)), user)


def test_cs19_screens_request_cost_signature_progress(eng, client):
    contract = make_sale(eng, 1)
    login(client, eng.cs_rep.email)
    answer = client.post(BASE + "new", data={"contract_id": contract.id, "description": "阳台封窗"})
    assert answer.status_code == 302, answer.text
    change = _change(eng)
    page = client.get(answer.headers["Location"])
    assert "阳台封窗" in page.text and "customer_service.engineering_change" in page.text
    client.post("/logout")
    _approve(eng, eng.engineer)
    login(client, eng.cost.email)
    client.post(f"{BASE}{change.id}/cost", data={"cost": "2500.00", "note": "铝合金窗"})
    assert _change(eng).cost == D("2500.00")
    client.post("/logout")
    _approve(eng, eng.cost, eng.cs_manager)
    login(client, eng.cs_rep.email)
    missing = client.post(f"{BASE}{change.id}/signature", data={"signed_on": "2026-12-03"})
    assert missing.status_code == 302 and _change(eng).status == ChangeStatus.approved
    client.post(
        f"{BASE}{change.id}/signature",
        data={"signed_on": "2026-12-03", "file": (io.BytesIO(SCAN), "签字.pdf")},
        content_type="multipart/form-data",
    )
    assert _change(eng).status == ChangeStatus.signed
    assert "2500.00" in client.get(f"/admin/cs_cards/{contract.customer_id}").text
    client.post("/logout")
    login(client, eng.engineer.email)
    client.post(f"{BASE}{change.id}/progress", data={"status": "done", "on": "2026-12-20"})
    assert _change(eng).status == ChangeStatus.done
    assert "Done" in client.get(BASE + "?status=done").text


def test_cs19_api_flow_and_bad_input(eng, client):
    contract = make_sale(eng, 1)
    rep = {"Authorization": f"Bearer {create_token(eng.cs_rep, eng.a, 't')}"}
    cost = {"Authorization": f"Bearer {create_token(eng.cost, eng.a, 't')}"}
    bad = client.post(API, json={"contract_id": contract.id, "description": ""}, headers=rep)
    assert bad.status_code == 422 and "description" in bad.json["error"]["fields"]
    answer = client.post(
        API, json={"contract_id": contract.id, "description": "取消吊顶"}, headers=rep
    )
    assert answer.status_code == 201, answer.text
    change_id = answer.json["id"]
    assert (
        client.post(f"{API}/{change_id}/cost", json={"cost": "-1.001"}, headers=cost).status_code
        == 422
    )
    priced = client.post(f"{API}/{change_id}/cost", json={"cost": "-800.00"}, headers=cost)
    assert priced.json["cost"] == "-800.00"
    _approve(eng, eng.engineer, eng.cost, eng.cs_manager)
    early = client.post(
        f"{API}/{change_id}/progress",
        json={"status": "done"},
        headers={"Authorization": f"Bearer {create_token(eng.engineer, eng.a, 't')}"},
    )
    assert early.status_code == 409
    signed = client.post(
        f"{API}/{change_id}/signature",
        json={
            "signed_on": "2026-12-03",
            "file_name": "签字.pdf",
            "content_base64": base64.b64encode(SCAN).decode(),
        },
        headers=rep,
    )
    assert signed.status_code == 200, signed.text
    assert signed.json["status"] == "signed" and signed.json["signature_document_id"]
    assert client.get(f"{API}?status=signed", headers=rep).json["total"] == 1
    doc = client.get("/api/v1/openapi.json").json
    assert "/cs/engineering/changes/{change_id}/signature" in doc["paths"]
