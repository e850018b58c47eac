"""JSON API: the inbox, one request, and deciding it (``/api/v1/approvals``)."""

from flask import Blueprint, abort, g, request
from marshmallow import ValidationError

from core.api import error, paginate, require_permission
from core.approvals import service
from core.approvals.schemas import DecideSchema, RequestSchema
from core.models.approvals import ApprovalRequest

VIEW = "core.approvals.view"

bp = Blueprint("approvals", __name__, url_prefix="/approvals")


@bp.errorhandler(service.ApprovalRefused)
def _refused(exc):
    return error(exc.status, str(exc))


def _body() -> dict:
    """The decision's body; an empty body means no comment."""
    data = request.get_json(silent=True)
    if data is None and not request.get_data():
        data = {}
    if not isinstance(data, dict):
        raise ValidationError({"_body": ["a JSON object is required"]})
    return DecideSchema().load(data)


def _request_or_404(request_id: int) -> ApprovalRequest:
    found = service.get_request(g.erp_company, request_id)
    if found is None:
        abort(error(404, f"approval request {request_id} not found"))
    return found


@bp.get("/inbox")
@require_permission(VIEW)
def inbox():
    return paginate(service.inbox_query(g.erp_user, g.erp_company), RequestSchema())


@bp.get("/<int:request_id>")
@require_permission(VIEW)
def get_request(request_id):
    return RequestSchema().dump(_request_or_404(request_id))


@bp.post("/<int:request_id>/approve")
@require_permission(VIEW)
def approve(request_id):
    body = _body()
    req = _request_or_404(request_id)
    service.approve(req, g.erp_user, body["comment"], step=body["step"])
    return RequestSchema().dump(req)


@bp.post("/<int:request_id>/reject")
@require_permission(VIEW)
def reject(request_id):
    body = _body()
    req = _request_or_404(request_id)
    service.reject(req, g.erp_user, body["comment"], step=body["step"])
    return RequestSchema().dump(req)


@bp.post("/<int:request_id>/withdraw")
@require_permission(VIEW)
def withdraw(request_id):
    req = _request_or_404(request_id)
    service.withdraw(req, g.erp_user)
    return RequestSchema().dump(req)


def register_openapi(spec):
    spec.components.schema("ApprovalRequest", schema=RequestSchema)
    spec.components.schema("ApprovalDecide", schema=DecideSchema)
    one = {
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ApprovalRequest"}}
        }
    }
    page = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}}}
    refused = {
        "description": "Refused: not yours to decide (403) or already decided (409)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    decide = {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApprovalDecide"}}}
    }
    invalid = {"$ref": "#/components/responses/Invalid"}
    spec.path(
        path="/approvals/inbox",
        operations={
            "get": {
                "summary": "Pending requests whose current step the token's user may decide",
                "responses": {"200": page},
            }
        },
    )
    spec.path(
        path="/approvals/{request_id}",
        operations={"get": {"summary": "Read an approval request", "responses": {"200": one}}},
    )
    for action, summary in (
        ("approve", "Approve the current step (step: the one seen; refused if it moved on)"),
        ("reject", "Reject the request; a comment is required"),
    ):
        spec.path(
            path=f"/approvals/{{request_id}}/{action}",
            operations={
                "post": {
                    "summary": summary,
                    "requestBody": decide,
                    "responses": {"200": one, "403": refused, "409": refused, "422": invalid},
                }
            },
        )
    spec.path(
        path="/approvals/{request_id}/withdraw",
        operations={
            "post": {
                "summary": "The requester withdraws a pending request",
                "responses": {"200": one, "403": refused, "409": refused},
            }
        },
    )
