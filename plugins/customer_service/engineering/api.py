"""JSON API of engineering changes (CS-19) under ``/api/v1/cs/engineering``: record one,
price it, the buyer's signature (a base64 file), progress. Approving goes through the core
approvals API."""

import base64
import binascii

from flask import Blueprint, g, request
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select

from core.api import error, get_or_404, load_json, paginate, require_permission
from core.api.openapi import PAGE_PARAMETERS, json_content, page_of, path_id, ref, responses
from core.extensions import db
from plugins.customer_service.engineering import COST, PROGRESS, REQUEST, VIEW, services
from plugins.customer_service.engineering.models import ChangeStatus, EngineeringChange
from plugins.customer_service.payments.notices import PaymentRefused

bp = Blueprint("cs_engineering", __name__, url_prefix="/cs/engineering")


def _cents(value):
    if value is not None and value != value.quantize(type(value)("0.01")):
        raise ValidationError("at most two decimal places (fen)")


class ChangeInput(Schema):
    contract_id = fields.Integer(required=True)
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    requested_on = fields.Date(load_default=None, allow_none=True)
    cost = fields.Decimal(load_default=None, allow_none=True, as_string=True, validate=_cents)


class CostInput(Schema):
    cost = fields.Decimal(required=True, as_string=True, validate=_cents)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class SignatureInput(Schema):
    signed_on = fields.Date(required=True)
    file_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    content_base64 = fields.String(required=True)


class ProgressInput(Schema):
    status = fields.String(
        required=True,
        validate=validate.OneOf([str(ChangeStatus.in_progress), str(ChangeStatus.done)]),
    )
    on = fields.Date(load_default=None, allow_none=True)


class ReasonInput(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ChangeSchema(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    contract = fields.Function(lambda c: c.contract.number)
    customer_id = fields.Integer()
    description = fields.String()
    requested_on = fields.Date()
    status = fields.Function(lambda c: str(c.status))
    cost = fields.Decimal(as_string=True, allow_none=True)
    cost_note = fields.String()
    approval_request_id = fields.Integer(allow_none=True)
    signed_on = fields.Date(allow_none=True)
    signature_document_id = fields.Integer(allow_none=True)
    instalment_id = fields.Integer(allow_none=True)
    started_on = fields.Date(allow_none=True)
    done_on = fields.Date(allow_none=True)
    close_reason = fields.String()


@bp.errorhandler(PaymentRefused)
def _refused(exc):
    db.session.rollback()
    return error(exc.status, str(exc))


def change_query(args):
    query = select(EngineeringChange).order_by(EngineeringChange.id.desc())
    if args.get("status") in [str(s) for s in ChangeStatus]:
        query = query.where(EngineeringChange.status == args["status"])
    if str(args.get("contract_id", "")).isdigit():
        query = query.where(EngineeringChange.contract_id == int(args["contract_id"]))
    return query


@bp.get("/changes")
@require_permission(VIEW)
def list_changes():
    return paginate(change_query(request.args), ChangeSchema())


@bp.post("/changes")
@require_permission(REQUEST)
def create_change():
    change = services.request_change(g.erp_company, g.erp_user, load_json(ChangeInput()))
    return ChangeSchema().dump(change), 201


@bp.get("/changes/<int:change_id>")
@require_permission(VIEW)
def get_change(change_id):
    return ChangeSchema().dump(get_or_404(EngineeringChange, change_id))


@bp.post("/changes/<int:change_id>/cost")
@require_permission(COST)
def set_cost(change_id):
    values = load_json(CostInput())
    change = services.set_cost(
        get_or_404(EngineeringChange, change_id), g.erp_user, values["cost"], values["note"]
    )
    return ChangeSchema().dump(change)


@bp.post("/changes/<int:change_id>/signature")
@require_permission(REQUEST)
def signature(change_id):
    values = load_json(SignatureInput())
    try:
        content = base64.b64decode(values["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"content_base64": ["not base64"]}) from None
    change = services.record_signature(
        get_or_404(EngineeringChange, change_id),
        g.erp_user,
        values["signed_on"],
        values["file_name"],
        content,
    )
    return ChangeSchema().dump(change)


@bp.post("/changes/<int:change_id>/progress")
@require_permission(PROGRESS)
def progress(change_id):
    values = load_json(ProgressInput())
    change = services.set_progress(
        get_or_404(EngineeringChange, change_id), g.erp_user, values["status"], values["on"]
    )
    return ChangeSchema().dump(change)


@bp.post("/changes/<int:change_id>/cancel")
@require_permission(REQUEST)
def cancel(change_id):
    reason = load_json(ReasonInput())["reason"]
    change = services.cancel_change(get_or_404(EngineeringChange, change_id), g.erp_user, reason)
    return ChangeSchema().dump(change)


def register_openapi(spec):
    for name, schema in (
        ("CsEngineeringChangeInput", ChangeInput),
        ("CsEngineeringCostInput", CostInput),
        ("CsEngineeringSignatureInput", SignatureInput),
        ("CsEngineeringProgressInput", ProgressInput),
        ("CsEngineeringReasonInput", ReasonInput),
        ("CsEngineeringChange", ChangeSchema),
    ):
        spec.components.schema(name, schema=schema)
    change = json_content(ref("CsEngineeringChange"))
    conflict = {"409": json_content(ref("Error"), "The change's state refuses it")}

    def body(name):
        return {"required": True, "content": {"application/json": {"schema": ref(name)}}}

    def step(summary, input_name):
        return {
            "post": {
                "summary": summary,
                "parameters": path_id("change_id"),
                "requestBody": body(input_name),
                "responses": responses(change, "403", "404", "422") | conflict,
            }
        }

    base = "/cs/engineering/changes"
    status = [
        {"name": n, "in": "query", "schema": {"type": "string"}} for n in ("status", "contract_id")
    ]
    spec.path(
        path=base,
        operations={
            "get": {
                "summary": "Engineering changes (filters status, contract_id)",
                "parameters": PAGE_PARAMETERS + status,
                "responses": responses(json_content(page_of("CsEngineeringChange")), "403"),
            },
            "post": {
                "summary": "Record a buyer's change request and send it on its route (CS-19)",
                "requestBody": body("CsEngineeringChangeInput"),
                "responses": responses(change, "403", "422", ok_code="201"),
            },
        },
    )
    spec.path(
        path=base + "/{change_id}",
        operations={
            "get": {
                "summary": "One engineering change",
                "parameters": path_id("change_id"),
                "responses": responses(change, "403", "404"),
            }
        },
    )
    for action, summary, input_name in (
        (
            "cost",
            "The cost department prices the change (增减费, signed)",
            "CsEngineeringCostInput",
        ),
        (
            "signature",
            "The buyer's signature: date and signed form; the cost is booked",
            "CsEngineeringSignatureInput",
        ),
        (
            "progress",
            "Engineering reports progress (in_progress, done)",
            "CsEngineeringProgressInput",
        ),
        ("cancel", "Close an approved change the buyer did not sign", "CsEngineeringReasonInput"),
    ):
        spec.path(path=f"{base}/{{change_id}}/{action}", operations=step(summary, input_name))
