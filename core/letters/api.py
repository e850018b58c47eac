"""Letters over the API: the list, one letter with its mailings, and mailing updates.

The PDF and any receipt or returned letter are documents: ``/api/v1/documents/<id>/content``
downloads them, ``POST /api/v1/documents`` uploads a receipt before it is linked here.
"""

from flask import Blueprint, abort, request
from marshmallow import Schema, fields
from sqlalchemy import select

from core.api import error, load_json, paginate, require_permission
from core.api.openapi import PAGE_PARAMETERS, json_content, page_of, path_id, ref, responses
from core.extensions import db
from core.letters.mailing import MailingChangeSchema, update_mailing
from core.models.letters import Letter, Mailing, MailingMethod

VIEW, SEND = "core.letters.view", "core.letters.send"
bp = Blueprint("letters", __name__)


class MailingSchema(Schema):
    id = fields.Integer()
    address = fields.String()
    method = fields.Enum(MailingMethod, by_value=True)
    tracking_number = fields.String(allow_none=True)
    sent_on = fields.Date(allow_none=True)
    receipt_document_id = fields.Integer(allow_none=True)
    returned = fields.Boolean()
    returned_on = fields.Date(allow_none=True)
    returned_document_id = fields.Integer(allow_none=True)


class LetterSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    owner_type = fields.String()
    owner_id = fields.Integer()
    step = fields.String()
    reference = fields.String()
    title = fields.String()
    addressee = fields.String()
    addresses = fields.List(fields.String())
    date = fields.Date()
    document_id = fields.Integer()
    created_at = fields.DateTime()
    mailings = fields.List(fields.Nested(MailingSchema))


class LetterQuerySchema(Schema):
    kind = fields.String(load_default=None)
    step = fields.String(load_default=None)
    owner_type = fields.String(load_default=None)
    owner_id = fields.Integer(load_default=None)
    returned = fields.Boolean(load_default=None)


def _letter_or_404(letter_id: int) -> Letter:
    # A scoped select: another company's id is simply not found.
    letter = db.session.scalar(select(Letter).where(Letter.id == letter_id))
    if letter is None:
        abort(error(404, f"letter {letter_id} not found"))
    return letter


@bp.get("/letters")
@require_permission(VIEW)
def list_letters():
    args = LetterQuerySchema().load(request.args.to_dict())
    query = select(Letter)
    for key in ("kind", "step", "owner_type", "owner_id"):
        if args[key] is not None:
            query = query.where(getattr(Letter, key) == args[key])
    if args["returned"] is not None:
        returned = Letter.mailings.any(Mailing.returned.is_(True))
        query = query.where(returned if args["returned"] else ~returned)
    return paginate(query.order_by(Letter.id.desc()), LetterSchema())


@bp.get("/letters/<int:letter_id>")
@require_permission(VIEW)
def get_letter(letter_id):
    return LetterSchema().dump(_letter_or_404(letter_id))


@bp.patch("/letters/<int:letter_id>/mailings/<int:mailing_id>")
@require_permission(SEND)
def patch_mailing(letter_id, mailing_id):
    letter = _letter_or_404(letter_id)
    mailing = next((m for m in letter.mailings if m.id == mailing_id), None)
    if mailing is None:
        abort(error(404, f"mailing {mailing_id} of letter {letter_id} not found"))
    update_mailing(mailing, load_json(MailingChangeSchema(), partial=True))
    db.session.commit()
    return MailingSchema().dump(mailing)


def register_openapi(spec):
    spec.components.schema("Mailing", schema=MailingSchema)
    spec.components.schema("Letter", schema=LetterSchema)
    spec.components.schema("MailingChange", schema=MailingChangeSchema)
    filters = [
        {"name": name, "in": "query", "schema": {"type": kind}}
        for name, kind in (
            ("kind", "string"),
            ("step", "string"),
            ("owner_type", "string"),
            ("owner_id", "integer"),
            ("returned", "boolean"),
        )
    ]
    spec.path(
        path="/letters",
        operations={
            "get": {
                "summary": "Produced letters, newest first (CS-17)",
                "parameters": PAGE_PARAMETERS + filters,
                "responses": responses(json_content(page_of("Letter")), "403", "422"),
            }
        },
    )
    spec.path(
        path="/letters/{letter_id}",
        operations={
            "get": {
                "summary": "A letter with its mailings; its PDF is document_id",
                "parameters": path_id("letter_id"),
                "responses": responses(json_content(ref("Letter")), "403", "404"),
            }
        },
    )
    spec.path(
        path="/letters/{letter_id}/mailings/{mailing_id}",
        operations={
            "patch": {
                "summary": "Record sending, the receipt or a returned letter (documents by id)",
                "parameters": path_id("letter_id") + path_id("mailing_id"),
                "requestBody": {"content": {"application/json": {"schema": ref("MailingChange")}}},
                "responses": responses(json_content(ref("Mailing")), "403", "404", "422"),
            }
        },
    )
