"""``GET /api/v1/visitor-log/notes``: the current company's notes, a page at a time."""

from flask import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from core.api import paginate, require_permission
from core.api.openapi import PAGE_PARAMETERS, json_content, page_of, responses
from erp_visitor_log.models import VisitorNote

bp = Blueprint("visitor_log", __name__, url_prefix="/visitor-log")


class VisitorNoteSchema(Schema):
    id = fields.Integer(dump_only=True)
    project_id = fields.Integer()
    text = fields.String()
    created_at = fields.DateTime(dump_only=True)


@bp.get("/notes")
@require_permission("visitor_log.view")
def list_notes():
    # No company filter here: the ORM scopes the query to the token's company.
    return paginate(select(VisitorNote).order_by(VisitorNote.id), VisitorNoteSchema())


def register_openapi(spec):
    spec.components.schema("VisitorNote", schema=VisitorNoteSchema)
    spec.path(
        path="/visitor-log/notes",
        operations={
            "get": {
                "summary": "List the visitor notes of the token's company",
                "parameters": PAGE_PARAMETERS,
                "responses": responses(json_content(page_of("VisitorNote")), "403", "404", "422"),
            }
        },
    )
