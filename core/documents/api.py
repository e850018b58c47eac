"""Documents over the API: list per owner, metadata, versions, content, multipart upload."""

import logging
from io import BytesIO

from flask import Blueprint, abort, g, request, send_file
from marshmallow import Schema, ValidationError, fields
from sqlalchemy import select

from core.api import error, paginate, require_permission
from core.documents import service
from core.documents.storage import DocumentCorrupted
from core.extensions import db
from core.models.documents import Document

log = logging.getLogger("erp.documents")
bp = Blueprint("documents", __name__)


class DocumentSchema(Schema):
    id = fields.Integer()
    owner_type = fields.String()
    owner_id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    version = fields.Integer()
    created_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class OwnerQuerySchema(Schema):
    owner_type = fields.String(load_default=None)
    owner_id = fields.Integer(load_default=None)


class UploadSchema(Schema):
    owner_type = fields.String(required=True)
    owner_id = fields.Integer(required=True)
    kind = fields.String(required=True)


def _document_or_404(document_id: int) -> Document:
    document = service.get_document(document_id)
    if document is None:
        abort(error(404, f"document {document_id} not found"))
    return document


@bp.get("/documents")
@require_permission("core.documents.view")
def list_documents():
    args = OwnerQuerySchema().load(request.args.to_dict())
    query = select(Document).where(Document.deleted_at.is_(None))
    for key in ("owner_type", "owner_id"):
        if args[key] is not None:
            query = query.where(getattr(Document, key) == args[key])
    order = (Document.owner_type, Document.owner_id, Document.kind, Document.name)
    return paginate(query.order_by(*order, Document.version), DocumentSchema())


@bp.get("/documents/<int:document_id>")
@require_permission("core.documents.view")
def get_document(document_id):
    return DocumentSchema().dump(_document_or_404(document_id))


@bp.get("/documents/<int:document_id>/versions")
@require_permission("core.documents.view")
def document_versions(document_id):
    chain = service.versions(_document_or_404(document_id))
    return {"items": DocumentSchema(many=True).dump(chain)}


@bp.get("/documents/<int:document_id>/content")
@require_permission("core.documents.view")
def document_content(document_id):
    document = _document_or_404(document_id)
    try:
        data = service.read_content(document)
    except DocumentCorrupted as exc:
        log.error("%s", exc)
        return error(500, str(exc))
    return send_file(
        BytesIO(data),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.name,
    )


@bp.post("/documents")
@require_permission("core.documents.upload")
def upload_document():
    values = UploadSchema().load(request.form.to_dict())
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError({"file": ["a file is required (multipart field 'file')"]})
    document = service.add_document(
        values["owner_type"],
        values["owner_id"],
        values["kind"],
        upload.filename or "",
        service.read_upload(upload),
        user=g.erp_user,
    )
    db.session.commit()
    return DocumentSchema().dump(document), 201


def register_openapi(spec):
    spec.components.schema("Document", schema=DocumentSchema)
    one = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Document"}}}}
    page = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}}}
    invalid = {"$ref": "#/components/responses/Invalid"}
    doc_id = {"in": "path", "name": "document_id", "required": True, "schema": {"type": "integer"}}
    owner = [
        {"in": "query", "name": "owner_type", "schema": {"type": "string"}},
        {"in": "query", "name": "owner_id", "schema": {"type": "integer"}},
    ]
    upload = {
        "type": "object",
        "required": ["owner_type", "owner_id", "kind", "file"],
        "properties": {
            "owner_type": {"type": "string", "description": "table name of the owner record"},
            "owner_id": {"type": "integer"},
            "kind": {"type": "string"},
            "file": {"type": "string", "format": "binary"},
        },
    }
    spec.path(
        path="/documents",
        operations={
            "get": {
                "summary": "List live documents, optionally of one owner record",
                "parameters": owner,
                "responses": {"200": page},
            },
            "post": {
                "summary": "Upload a file as the next version of (owner, kind, name)",
                "requestBody": {"content": {"multipart/form-data": {"schema": upload}}},
                "responses": {"201": one, "422": invalid},
            },
        },
    )
    spec.path(
        path="/documents/{document_id}",
        operations={
            "get": {
                "summary": "A document's metadata",
                "parameters": [doc_id],
                "responses": {"200": one},
            }
        },
    )
    spec.path(
        path="/documents/{document_id}/versions",
        operations={
            "get": {
                "summary": "The live versions of its chain, newest first",
                "parameters": [doc_id],
                "responses": {"200": {"description": "OK"}},
            }
        },
    )
    spec.path(
        path="/documents/{document_id}/content",
        operations={
            "get": {
                "summary": "The file (SHA-256 checked; 500 if the stored copy is corrupted)",
                "parameters": [doc_id],
                "responses": {"200": {"description": "the file's bytes"}},
            }
        },
    )
