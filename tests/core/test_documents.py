"""Documents: versioned immutable content, hash-checked reads, upload limits, tenant isolation,
and soft deletion only after approval (SPEC CS-18)."""

import os
from io import BytesIO

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from core import approvals, documents
from core.auth.services import create_token
from core.documents import DocumentCorrupted, storage
from core.extensions import db
from core.models.audit import AuditEntry
from core.models.documents import Document
from core.services import companies as svc
from core.tenancy import company_scope
from tests.conftest import PASSWORD, login

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def pdf() -> bytes:
    """A PDF-looking file of its own: the content store is shared by every test."""
    return b"%PDF-1.4\n%" + os.urandom(16).hex().encode() + b"\n%%EOF\n"


def add(world, data: bytes, name="contract.pdf", kind="contract", company="a") -> Document:
    company, project = getattr(world, company), getattr(world, f"project_{company}")
    with company_scope(company.id):
        doc = documents.add_document("project", project.id, kind, name, data, user=world.admin_a)
        db.session.commit()
    return doc


def bearer(world, company="a"):
    user = world.admin_a if company == "a" else world.admin_b
    token = create_token(user, getattr(world, company), "documents test")
    return {"Authorization": f"Bearer {token}"}


def upload_form(world, data: bytes, name: str, project=None) -> dict:
    project = project or world.project_a
    return {
        "owner_type": "project",
        "owner_id": str(project.id),
        "kind": "contract",
        "file": (BytesIO(data), name),
    }


def test_documents_api_upload_download_round_trip(client, world):
    content, headers = pdf(), bearer(world)
    response = client.post(
        "/api/v1/documents", data=upload_form(world, content, "购房合同.pdf"), headers=headers
    )
    assert response.status_code == 201, response.text
    meta = response.json
    assert (meta["name"], meta["version"], meta["size"]) == ("购房合同.pdf", 1, len(content))
    assert meta["content_type"] == "application/pdf" and meta["created_by_id"] == world.admin_a.id
    got = client.get(f"/api/v1/documents/{meta['id']}/content", headers=headers)
    assert got.status_code == 200 and got.data == content
    assert got.mimetype == "application/pdf"
    listing = client.get(
        f"/api/v1/documents?owner_type=project&owner_id={world.project_a.id}", headers=headers
    )
    assert [d["id"] for d in listing.json["items"]] == [meta["id"]]


def test_documents_admin_upload_list_download_versions(client, world):
    content = pdf()
    login(client, "admin-a@example.com")
    response = client.post("/admin/documents_upload/", data=upload_form(world, content, "c.pdf"))
    assert response.status_code == 302, response.text
    with company_scope(world.a.id):
        [doc] = documents.documents_of("project", world.project_a.id)
    assert "c.pdf" in client.get("/admin/documents/").text
    assert client.get(f"/admin/documents/download/{doc.id}").data == content
    assert doc.sha256[:16] in client.get(f"/admin/documents/versions/{doc.id}").text
    refused = client.post("/admin/documents_upload/", data=upload_form(world, PNG, "d.pdf"))
    assert refused.status_code == 400 and "not a PDF" in refused.text


def test_documents_change_is_a_new_version_and_the_old_one_stays(world):
    first, second = pdf(), pdf()
    v1, v2 = add(world, first), add(world, second)
    assert (v1.version, v2.version) == (1, 2)
    with company_scope(world.a.id):
        assert documents.read_content(v1) == first
        assert documents.read_content(v2) == second
        assert [d.version for d in documents.versions(v1)] == [2, 1]
        assert add(world, second).id == v2.id  # the same content is no change
        [line] = documents.archive_index("project", world.project_a.id)
    assert (line.kind, line.name, line.version) == ("contract", "contract.pdf", 2)


def test_documents_same_content_is_stored_once(world):
    content = pdf()
    one = add(world, content)
    path = storage().path(one.storage_key)
    before = path.stat()
    two = add(world, content, name="copy.pdf", kind="scan")
    assert two.id != one.id and two.storage_key == one.storage_key
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_documents_tampered_content_raises_document_corrupted(client, world):
    doc = add(world, pdf())
    path = storage().path(doc.storage_key)
    path.write_bytes(b"%PDF-1.4 forged")
    with company_scope(world.a.id), pytest.raises(DocumentCorrupted, match="SHA-256"):
        documents.read_content(doc)
    response = client.get(f"/api/v1/documents/{doc.id}/content", headers=bearer(world))
    assert response.status_code == 500 and "does not match" in response.json["error"]["message"]
    path.unlink()
    with company_scope(world.a.id), pytest.raises(DocumentCorrupted, match="missing"):
        documents.read_content(doc)


def test_documents_size_limit(client, app, world, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 10)
    with pytest.raises(ValidationError) as refused:
        add(world, pdf())
    assert "larger than 10 bytes" in refused.value.messages["file"][0]
    response = client.post(
        "/api/v1/documents", data=upload_form(world, pdf(), "big.pdf"), headers=bearer(world)
    )
    assert response.status_code == 422
    assert "larger than 10 bytes" in response.json["error"]["fields"]["file"][0]


def test_documents_type_is_checked_on_the_content(client, world, app, monkeypatch):
    with pytest.raises(ValidationError) as refused:
        add(world, PNG, name="scan.pdf")
    assert "not a PDF" in refused.value.messages["file"][0]
    response = client.post(
        "/api/v1/documents", data=upload_form(world, PNG, "scan.pdf"), headers=bearer(world)
    )
    assert response.status_code == 422 and "file" in response.json["error"]["fields"]
    with pytest.raises(ValidationError, match="not allowed"):
        add(world, b"MZ\x90\x00", name="tool.exe")
    assert add(world, PNG, name="photo.png").content_type == "image/png"
    monkeypatch.setitem(app.config, "DOCUMENT_TYPES", ("pdf",))
    with pytest.raises(ValidationError, match="not allowed"):
        add(world, PNG, name="photo2.png")


def test_documents_other_company_ids_are_not_found(client, world):
    theirs = add(world, pdf(), company="b")
    headers = bearer(world, "a")
    for url in (f"/api/v1/documents/{theirs.id}", f"/api/v1/documents/{theirs.id}/content"):
        assert client.get(url, headers=headers).status_code == 404
    assert client.get("/api/v1/documents", headers=headers).json["items"] == []
    # Nor can A attach a file to B's project.
    response = client.post(
        "/api/v1/documents",
        data=upload_form(world, pdf(), "x.pdf", project=world.project_b),
        headers=headers,
    )
    assert response.status_code == 422 and "owner_id" in response.json["error"]["fields"]
    login(client, "admin-a@example.com")
    for url in (f"/admin/documents/download/{theirs.id}", f"/admin/documents/versions/{theirs.id}"):
        assert client.get(url).status_code == 404
    assert "contract.pdf" not in client.get("/admin/documents/").text


def test_documents_need_their_permissions(client, world):
    doc = add(world, pdf())
    outsider = svc.create_user("owner-a@example.com", PASSWORD)
    svc.add_member(outsider, world.a, ["owner"])
    login(client, "owner-a@example.com")
    assert client.get(f"/admin/documents/download/{doc.id}").status_code == 403
    response = client.post("/admin/documents_upload/", data=upload_form(world, pdf(), "y.pdf"))
    assert response.status_code == 403 and "core.documents.upload" in response.text


@pytest.fixture
def vp(world):
    user = svc.create_user("vp-a@example.com", PASSWORD)
    svc.add_member(user, world.a, ["vp"])
    approvals.install_default_flows(world.a)
    db.session.commit()
    return user


def test_cs18_deletion_waits_for_vp_approval_then_is_soft(client, world, vp):
    content = pdf()
    doc = add(world, content)
    doc_id, key = doc.id, doc.storage_key
    with company_scope(world.a.id):
        request = documents.request_deletion(doc, world.admin_a, "scanned twice")
        assert documents.get_document(doc_id) is not None  # pending: still there
        approvals.approve(request, vp, "ok")
    with company_scope(world.a.id):
        assert documents.get_document(doc_id) is None
        assert documents.documents_of("project", world.project_a.id) == []
    listing = client.get("/api/v1/documents", headers=bearer(world))
    assert listing.json["items"] == []
    with company_scope(None):
        kept = db.session.get(Document, doc_id)
        assert kept.deleted_by_id == vp.id and kept.deletion_reason == "scanned twice"
        logged = db.session.scalars(
            select(AuditEntry).where(AuditEntry.model == "document", AuditEntry.record_id == doc_id)
        ).all()
    assert storage().get(key) == content  # the file is kept
    assert any("deleted_at" in e.changes and e.user_id == vp.id for e in logged)


def test_cs18_rejected_deletion_keeps_the_document(world, vp):
    doc = add(world, pdf())
    with company_scope(world.a.id):
        request = documents.request_deletion(doc, world.admin_a, "not needed")
        approvals.reject(request, vp, "keep it: signed original")
    with company_scope(world.a.id):
        kept = documents.get_document(doc.id)
        assert kept is not None and kept.deletion_requested_at is None


def test_cs18_deletion_needs_a_reason_and_a_flow(world):
    from core.approvals import ApprovalFlow

    doc = add(world, pdf())
    with company_scope(world.a.id):
        with pytest.raises(ValidationError) as no_reason:
            documents.request_deletion(doc, world.admin_a, " ")
        assert "reason" in no_reason.value.messages
        # A company whose admin removed the deletion flow (created with the company).
        for flow in db.session.scalars(select(ApprovalFlow)):
            db.session.delete(flow)
        db.session.commit()
        with pytest.raises(ValidationError, match="approval flow"):
            documents.request_deletion(doc, world.admin_a, "duplicate")
        db.session.rollback()
        assert documents.get_document(doc.id).deleted_at is None


def test_documents_api_is_described_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"/documents", "/documents/{document_id}/content"} <= set(paths)
    assert "multipart/form-data" in paths["/documents"]["post"]["requestBody"]["content"]
