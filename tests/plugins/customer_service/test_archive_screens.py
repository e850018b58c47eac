"""The archive clerk's screens and the archive API (CS-17, CS-18): search, index, downloads
checked by permission and archive, filing, deletion requests, letters and address changes."""

import io

from sqlalchemy import select

from core import approvals
from core.auth.services import create_token
from core.extensions import db
from core.plugins import state
from core.services.companies import add_member, create_user
from core.tenancy import company_scope
from plugins.customer_service.archive import index, services
from plugins.customer_service.archive.models import AddressChange, IncomingLetter
from tests.conftest import PASSWORD, login
from tests.plugins.customer_service.cs_setup import make_sale, person

BASE = "/admin/cs_archive/"
LETTERS = "/admin/cs_archive_letters/"
PDF = b"%PDF-1.4\n% scan\n"


def api(cs, user):
    token = create_token(user, cs.a, "archive test")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def filed(cs, contract, kind="contract", content=PDF):
    with company_scope(cs.a.id):
        document = index.file_document(contract.customer, kind, f"{kind}.pdf", content, cs.clerk)
        db.session.commit()
        return document.id


def test_cs18_clerk_finds_an_archive_by_code_name_or_unit(cs, client):
    contract = make_sale(cs, 1)
    make_sale(cs, 2)
    login(client, cs.clerk.email)
    by_code = client.get(BASE + "?q=LY-ZW001")
    assert by_code.status_code == 200
    assert "张伟1" in by_code.text and "张伟2" not in by_code.text
    label = contract.unit.label
    by_unit = client.get(BASE, query_string={"q": label})
    assert "张伟1" in by_unit.text and "张伟2" not in by_unit.text
    page = client.get(f"{BASE}{contract.customer_id}")
    assert page.status_code == 200 and "Customer card" in page.text  # missing: the card
    missing = client.get(BASE + "missing")
    assert "张伟1" in missing.text and "Contract" in missing.text


def test_cs18_downloads_are_permission_checked_and_per_archive(cs, client):
    contract = make_sale(cs, 1)
    other = make_sale(cs, 2)
    doc_id = filed(cs, contract)
    login(client, cs.clerk.email)
    ok = client.get(f"{BASE}{contract.customer_id}/download/{doc_id}")
    assert ok.status_code == 200 and ok.data == PDF
    assert client.get(f"{BASE}{other.customer_id}/download/{doc_id}").status_code == 404
    client.post("/logout")
    person(cs, "owner-a@example.com", "owner")
    login(client, "owner-a@example.com")
    refused = client.get(f"{BASE}{contract.customer_id}/download/{doc_id}")
    assert refused.status_code == 403


def test_cs18_filing_and_deletion_request_on_screen(cs, client):
    approvals.install_default_flows(cs.a)
    db.session.commit()
    contract = make_sale(cs, 1)
    url = f"{BASE}{contract.customer_id}"
    login(client, cs.clerk.email)
    sent = client.post(
        url + "/file",
        data={"kind": "order", "file": (io.BytesIO(PDF), "认购书.pdf")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    assert client.post(url + "/card").status_code == 302
    with company_scope(cs.a.id):
        items = index.archive_items(contract.customer_id)
    assert {i.kind for i in items} == {"order", "customer_card"}
    order_scan = next(i for i in items if i.kind == "order").document.id
    no_reason = client.post(f"{url}/delete/{order_scan}", data={"reason": " "})
    assert no_reason.status_code == 302
    client.post(f"{url}/delete/{order_scan}", data={"reason": "扫描重复"})
    page = client.get(url)
    assert "Deletion waiting for VP approval" in page.text and "认购书.pdf" in page.text
    client.post("/logout")
    login(client, cs.cs_rep.email)  # a rep files but does not ask for deletions
    assert client.post(f"{url}/delete/{order_scan}", data={"reason": "x"}).status_code == 403


def test_cs17_address_change_and_customers_letter_on_screen(cs, client):
    state.update_settings(
        cs.a, "customer_service", {"address_change_lawyer_address": "洛阳市开元大道100号"}
    )
    db.session.commit()
    contract = make_sale(cs, 1)
    login(client, cs.clerk.email)
    client.post(
        f"{LETTERS}address/{contract.customer_id}",
        data={
            "contract_id": contract.id,
            "new_address": "郑州市花园路88号",
            "reported_on": "2026-11-24",
        },
    )
    page = client.get(f"{BASE}{contract.customer_id}")
    assert "郑州市花园路88号" in page.text and "both addresses" in page.text
    with company_scope(cs.a.id):
        change = db.session.scalar(select(AddressChange))
    client.post(
        f"{LETTERS}address/confirm/{change.id}",
        data={"confirmed_on": "2026-11-24", "written": (io.BytesIO(PDF), "确认书.pdf")},
        content_type="multipart/form-data",
    )
    with company_scope(cs.a.id):
        db.session.refresh(change)
        assert change.confirmed and change.lawyer_letter_id is not None
        assert services.letter_addresses(contract) == ["郑州市花园路88号"]
    client.post(
        f"{LETTERS}incoming/{contract.customer_id}",
        data={
            "received_on": "2026-11-24",
            "sender": "张伟1",
            "subject": "询问交房",
            "file": (io.BytesIO(PDF), "来信.pdf"),
        },
        content_type="multipart/form-data",
    )
    waiting = client.get(LETTERS)
    assert "询问交房" in waiting.text and "2026-11-27" in waiting.text
    with company_scope(cs.a.id):
        incoming = db.session.scalar(select(IncomingLetter))
    client.post(f"{LETTERS}answer/{incoming.id}", data={"body": "交房时间为明年六月。\n敬请留意。"})
    with company_scope(cs.a.id):
        db.session.refresh(incoming)
        assert incoming.answer_letter_id is not None
    assert "Every letter is answered." in client.get(LETTERS).text


def test_cs18_archive_api_lists_the_index_and_missing_items(cs, client):
    contract = make_sale(cs, 1)
    doc_id = filed(cs, contract)
    headers = api(cs, cs.clerk)
    answer = client.get(f"/api/v1/cs/archive/{contract.customer_id}", headers=headers)
    assert answer.status_code == 200
    body = answer.json
    assert [(i["kind"], i["document_id"], i["version"]) for i in body["items"]] == [
        ("contract", doc_id, 1)
    ]
    assert {m["kind"] for m in body["missing"]} == {"order", "customer_card"}
    assert body["contracts"][0]["letter_addresses"] == [contract.address]
    content = client.get(
        f"/api/v1/cs/archive/{contract.customer_id}/documents/{doc_id}/content", headers=headers
    )
    assert content.status_code == 200 and content.data == PDF
    made = client.post(f"/api/v1/cs/archive/{contract.customer_id}/customer-card", headers=headers)
    assert made.status_code == 201 and made.json["kind"] == "customer_card"
    # Another company's token does not see A's archive.
    with company_scope(cs.b.id):
        state.enable(cs.b, "sales")
        state.enable(cs.b, "customer_service")
    clerk_b = create_user("clerk-b@example.com", PASSWORD)
    add_member(clerk_b, cs.b, ["archive_clerk"])
    stranger = create_token(clerk_b, cs.b, "b")
    db.session.commit()
    other = {"Authorization": f"Bearer {stranger}"}
    assert (
        client.get(f"/api/v1/cs/archive/{contract.customer_id}", headers=other).status_code == 404
    )


def test_cs17_api_records_changes_and_answers_letters(cs, client):
    contract = make_sale(cs, 1)
    headers = api(cs, cs.clerk)
    bad = client.post(
        "/api/v1/cs/archive/address-changes",
        json={"contract_id": contract.id, "reported_on": "2026-11-24"},
        headers=headers,
    )
    assert bad.status_code == 422 and "new_address" in bad.json["error"]["fields"]
    made = client.post(
        "/api/v1/cs/archive/address-changes",
        json={
            "contract_id": contract.id,
            "new_address": "郑州市花园路88号",
            "reported_on": "2026-11-24",
        },
        headers=headers,
    )
    assert made.status_code == 201 and made.json["confirmed"] is False
    archive = client.get(f"/api/v1/cs/archive/{contract.customer_id}", headers=headers).json
    assert archive["contracts"][0]["letter_addresses"] == [contract.address, "郑州市花园路88号"]
    letter_in = filed(cs, contract, "letter_in")
    incoming = client.post(
        "/api/v1/cs/archive/incoming-letters",
        json={
            "customer_id": contract.customer_id,
            "received_on": "2026-11-24",
            "sender": "张伟1",
            "subject": "咨询",
            "document_id": letter_in,
        },
        headers=headers,
    )
    assert incoming.status_code == 201 and incoming.json["due_on"] == "2026-11-27"
    listed = client.get("/api/v1/cs/archive/incoming-letters", headers=headers).json["items"]
    assert [x["id"] for x in listed] == [incoming.json["id"]]
    answered = client.post(
        f"/api/v1/cs/archive/incoming-letters/{incoming.json['id']}/answer",
        json={"body": ["已收到您的来函。"]},
        headers=headers,
    )
    assert answered.status_code == 200 and answered.json["answer_letter_id"]
    assert client.get("/api/v1/cs/archive/incoming-letters", headers=headers).json["items"] == []
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {
        "/cs/archive/{customer_id}",
        "/cs/archive/{customer_id}/documents/{document_id}/content",
        "/cs/archive/address-changes",
        "/cs/archive/incoming-letters/{letter_id}/answer",
    } <= set(paths)
