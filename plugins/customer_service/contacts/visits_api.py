"""``/api/v1/cs/visit-rounds`` and ``/api/v1/cs/visits`` (CS-15): rounds, the calls due, the
call before a visit and the visit record."""

from flask import Blueprint, g, request
from marshmallow import Schema, fields
from sqlalchemy import select

from core.api import get_or_404, load_json, paginate, require_permission
from core.api.openapi import PAGE_PARAMETERS, json_content, page_of, path_id, ref, responses
from core.extensions import db
from plugins.customer_service.contacts import LOG, visits
from plugins.customer_service.contacts.api import body, query
from plugins.customer_service.contacts.models import Visit, VisitRound
from plugins.customer_service.contacts.schemas import (
    CallSchema,
    IssueSchema,
    RoundSchema,
    VisitRecordSchema,
    VisitSchema,
)

bp = Blueprint("cs_visits", __name__, url_prefix="/cs")
VIEW = "customer_service.view"


class RoundFilterSchema(Schema):
    rep_id = fields.Integer()
    status = fields.String()
    page = fields.Integer()
    per_page = fields.Integer()


@bp.get("/visit-rounds")
@require_permission(VIEW)
def list_rounds():
    args = RoundFilterSchema().load(request.args.to_dict())
    found = select(VisitRound).order_by(VisitRound.planned_on.desc(), VisitRound.id)
    if "rep_id" in args:
        found = found.where(VisitRound.rep_id == args["rep_id"])
    if "status" in args:
        found = found.where(VisitRound.status == args["status"])
    return paginate(found, RoundSchema())


@bp.post("/visit-rounds")
@require_permission(LOG)
def post_round():
    data = load_json(RoundSchema())
    planned = visits.plan_round(
        g.erp_company, data["rep_id"], data["planned_on"], data["household_ids"]
    )
    db.session.commit()
    return RoundSchema().dump(planned), 201


@bp.get("/visit-rounds/<int:round_id>")
@require_permission(VIEW)
def get_round(round_id):
    return RoundSchema().dump(get_or_404(VisitRound, round_id))


@bp.get("/visits/calls-due")
@require_permission(VIEW)
def calls_due():
    rep_id = request.args.get("rep_id", type=int)
    return paginate(visits.calls_due(rep_id=rep_id), VisitSchema())


@bp.post("/visits/<int:visit_id>/call")
@require_permission(LOG)
def post_call(visit_id):
    visit = get_or_404(Visit, visit_id)
    data = load_json(CallSchema())
    visits.record_call(g.erp_company, visit, g.erp_user, data["note"], data.get("on"))
    db.session.commit()
    return VisitSchema().dump(visit)


@bp.post("/visits/<int:visit_id>/record")
@require_permission(LOG)
def post_record(visit_id):
    visit = get_or_404(Visit, visit_id)
    visits.file_visit(g.erp_company, visit, g.erp_user, load_json(VisitRecordSchema()))
    db.session.commit()
    return VisitSchema().dump(visit)


def register_openapi(spec):
    # Nested schemas first, so that apispec refers to them by these names.
    for name, schema in (
        ("CsVisit", VisitSchema),
        ("CsVisitIssue", IssueSchema),
        ("CsVisitRound", RoundSchema),
        ("CsCall", CallSchema),
        ("CsVisitRecord", VisitRecordSchema),
    ):
        spec.components.schema(name, schema=schema)
    visit = json_content(ref("CsVisit"))
    spec.path(
        path="/cs/visit-rounds",
        operations={
            "get": {
                "summary": "Visit rounds, latest first, by rep and status",
                "parameters": PAGE_PARAMETERS + query(("rep_id", "integer"), ("status", "string")),
                "responses": responses(json_content(page_of("CsVisitRound")), "403", "404", "422"),
            },
            "post": {
                "summary": "Plan a round (at least the minimum of households, in the visit week)",
                "requestBody": body("CsVisitRound"),
                "responses": responses(
                    json_content(ref("CsVisitRound")), "403", "404", "422", ok_code="201"
                ),
            },
        },
    )
    spec.path(
        path="/cs/visit-rounds/{round_id}",
        parameters=path_id("round_id"),
        operations={
            "get": {
                "summary": "A round with its visits",
                "responses": responses(json_content(ref("CsVisitRound")), "403", "404"),
            }
        },
    )
    spec.path(
        path="/cs/visits/calls-due",
        operations={
            "get": {
                "summary": "Visits whose call before the visit is due and not made",
                "parameters": PAGE_PARAMETERS + query(("rep_id", "integer")),
                "responses": responses(json_content(page_of("CsVisit")), "403", "404"),
            }
        },
    )
    for action, name, summary in (
        ("call", "CsCall", "The customer was called before the visit (logged)"),
        ("record", "CsVisitRecord", "File the visit record; issues are passed on"),
    ):
        spec.path(
            path=f"/cs/visits/{{visit_id}}/{action}",
            parameters=path_id("visit_id"),
            operations={
                "post": {
                    "summary": summary,
                    "requestBody": body(name),
                    "responses": responses(visit, "403", "404", "422"),
                }
            },
        )
