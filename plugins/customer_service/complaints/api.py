"""JSON API of complaints (CS-13) under ``/api/v1/cs/complaints``."""

from datetime import date

from flask import Blueprint, g, request
from marshmallow import Schema, ValidationError, fields

from core.api import error, get_or_404, load_json, paginate, require_permission
from core.api.openapi import PAGE_PARAMETERS, json_content, page_of, path_id, ref, responses
from core.duties import today
from core.extensions import db
from plugins.customer_service.complaints import HANDLE, LEGAL, VIEW, replies, services, stats
from plugins.customer_service.complaints.models import Complaint
from plugins.customer_service.complaints.schemas import (
    ComplaintInput,
    ComplaintQuery,
    ComplaintSchema,
    DisputeCloseInput,
    DisputeInput,
    DisputeSchema,
    FollowUpInput,
    FollowUpSchema,
    ResolveInput,
    TextInput,
)

bp = Blueprint("cs_complaints", __name__, url_prefix="/cs/complaints")


class MonthQuery(Schema):
    month = fields.String(load_default=None)


@bp.errorhandler(services.ComplaintRefused)
def _refused(exc):
    db.session.rollback()
    return error(exc.status, str(exc))


@bp.get("")
@require_permission(VIEW)
def list_complaints():
    filters = ComplaintQuery().load(request.args.to_dict())
    return paginate(services.complaints_query(filters), ComplaintSchema())


@bp.post("")
@require_permission(HANDLE)
def record_complaint():
    complaint = services.record(g.erp_company, g.erp_user, load_json(ComplaintInput()))
    db.session.commit()
    return ComplaintSchema().dump(complaint), 201


@bp.get("/<int:complaint_id>")
@require_permission(VIEW)
def get_complaint(complaint_id):
    return ComplaintSchema().dump(get_or_404(Complaint, complaint_id))


def _step(complaint_id: int, action, schema: Schema):
    """Run ``action(complaint, user, data)`` and answer the complaint as it is then."""
    complaint = get_or_404(Complaint, complaint_id)
    action(complaint, g.erp_user, load_json(schema))
    db.session.commit()
    return ComplaintSchema().dump(complaint)


@bp.post("/<int:complaint_id>/answer")
@require_permission(HANDLE)
def answer(complaint_id):
    return _step(complaint_id, services.answer, TextInput())


@bp.post("/<int:complaint_id>/reply")
@require_permission(HANDLE)
def reply(complaint_id):
    return _step(complaint_id, replies.submit_reply, TextInput())


@bp.post("/<int:complaint_id>/resolve")
@require_permission(HANDLE)
def resolve(complaint_id):
    return _step(complaint_id, services.resolve, ResolveInput())


@bp.post("/<int:complaint_id>/follow-ups")
@require_permission(HANDLE)
def follow_up(complaint_id):
    return _step(complaint_id, services.record_follow_up, FollowUpInput())


@bp.post("/<int:complaint_id>/dispute")
@require_permission(LEGAL)
def dispute(complaint_id):
    return _step(complaint_id, services.open_dispute, DisputeInput())


@bp.post("/<int:complaint_id>/dispute/close")
@require_permission(LEGAL)
def close_dispute(complaint_id):
    return _step(complaint_id, services.close_dispute, DisputeCloseInput())


@bp.get("/statistics")
@require_permission(VIEW)
def statistics():
    month = MonthQuery().load(request.args.to_dict())["month"]
    try:
        first = date.fromisoformat(f"{month}-01") if month else today().replace(day=1)
    except ValueError:
        raise ValidationError({"month": ["expected YYYY-MM"]}) from None
    result = stats.monthly(first.year, first.month)
    plain = (str, int, type(None))
    return {
        **{k: v if isinstance(v, plain) else str(v) for k, v in result.items() if k != "projects"},
        "by_category": [[c, n] for c, n in result["by_category"]],
        "by_section": [[s, n] for s, n in result["by_section"]],
        "projects": [
            {k: v if isinstance(v, plain) else str(v) for k, v in p.items()}
            for p in result["projects"]
        ],
    }


def register_openapi(spec):
    # Nested schemas first, so that the complaint refers to them by these names.
    for name, schema in (
        ("CsComplaintFollowUpCall", FollowUpSchema),
        ("CsLegalDispute", DisputeSchema),
        ("CsComplaint", ComplaintSchema),
        ("CsComplaintInput", ComplaintInput),
        ("CsComplaintText", TextInput),
        ("CsComplaintResolve", ResolveInput),
        ("CsComplaintFollowUp", FollowUpInput),
        ("CsComplaintDispute", DisputeInput),
        ("CsComplaintDisputeClose", DisputeCloseInput),
    ):
        spec.components.schema(name, schema=schema)
    filters = [
        {"in": "query", "name": name, "schema": {"type": kind}}
        for name, kind in (
            ("status", "string"),
            ("overdue", "string"),
            ("category", "string"),
            ("section", "string"),
            ("channel", "string"),
            ("project", "integer"),
            ("first", "string"),
            ("last", "string"),
        )
    ]
    one = json_content(ref("CsComplaint"))
    spec.path(
        path="/cs/complaints",
        operations={
            "get": {
                "summary": "Complaints (CS-13); status=tracked: not done yet; overdue=any, "
                "answer, reply or follow_up",
                "parameters": PAGE_PARAMETERS + filters,
                "responses": responses(json_content(page_of("CsComplaint")), "403", "422"),
            },
            "post": {
                "summary": "Record a complaint: the answer clock starts at received_at",
                "requestBody": {
                    "content": {"application/json": {"schema": ref("CsComplaintInput")}}
                },
                "responses": responses(one, "403", "422", ok_code="201"),
            },
        },
    )
    spec.path(
        path="/cs/complaints/{complaint_id}",
        parameters=path_id("complaint_id"),
        operations={"get": {"summary": "One complaint", "responses": responses(one, "403", "404")}},
    )
    for action, summary, body in (
        ("answer", "The answer given to the customer (stops the clock)", "CsComplaintText"),
        ("reply", "Submit the written reply for the VP's approval", "CsComplaintText"),
        ("resolve", "Resolved: the follow-up call falls due", "CsComplaintResolve"),
        ("follow-ups", "Record the follow-up call (follow-up form)", "CsComplaintFollowUp"),
        ("dispute", "The complaint becomes a legal dispute", "CsComplaintDispute"),
        ("dispute/close", "The legal dispute ended", "CsComplaintDisputeClose"),
    ):
        operation = {
            "summary": summary,
            "requestBody": {"content": {"application/json": {"schema": ref(body)}}},
            "responses": {
                **responses(one, "403", "404", "422"),
                "409": {"description": "The complaint's state refuses this step"},
            },
        }
        spec.path(
            path=f"/cs/complaints/{{complaint_id}}/{action}",
            parameters=path_id("complaint_id"),
            operations={"post": operation},
        )
    spec.path(
        path="/cs/complaints/statistics",
        operations={
            "get": {
                "summary": "Monthly statistics: by category, by construction section, "
                "complaint rate per delivered household",
                "parameters": [{"in": "query", "name": "month", "schema": {"type": "string"}}],
                "responses": responses(json_content({"type": "object"}), "403", "422"),
            }
        },
    )
