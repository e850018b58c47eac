"""JSON API for changes to an order (SAL-22–25) under ``/api/v1/sales``: ask for one, list
them, the layout change's fee and inspection. Approving goes through the core approvals API."""

from flask import Blueprint, g, request
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from core.api import error, get_or_404, load_json, paginate, require_permission
from core.extensions import db
from plugins.sales.models import Unit
from plugins.sales.orders import CREATE, VIEW, changes
from plugins.sales.orders.models import ChangeKind, ChangeRequest, ChangeStatus, Order
from plugins.sales.orders.services import OrderRefused

bp = Blueprint("sales_order_changes", __name__, url_prefix="/sales")


def _choice(enum):
    return validate.OneOf([str(e) for e in enum])


def _json(name):
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


@bp.errorhandler(OrderRefused)
def _refused(exc):
    db.session.rollback()
    return error(exc.status, str(exc))


class ChangeInput(Schema):
    kind = fields.String(required=True, validate=_choice(ChangeKind))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    new_unit_id = fields.Integer(load_default=None, allow_none=True)  # swap
    real_reason = fields.String(load_default="", validate=validate.Length(max=2000))  # refund
    penalty = fields.Decimal(load_default="0", as_string=True)  # refund, ≤ the deposit
    new_buyer_name = fields.String(load_default="", validate=validate.Length(max=100))  # rename
    old_identity_id = fields.Integer(load_default=None, allow_none=True)  # rename: documents
    new_identity_id = fields.Integer(load_default=None, allow_none=True)
    description = fields.String(load_default="", validate=validate.Length(max=4000))  # layout
    fee = fields.Decimal(load_default=None, allow_none=True, as_string=True)  # layout


class FeeInput(Schema):
    fee = fields.Decimal(required=True, as_string=True)


class InspectionInput(Schema):
    passed = fields.Boolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class ChangeSchema(Schema):
    id = fields.Integer()
    order_id = fields.Integer()
    kind = fields.Function(lambda c: str(c.kind))
    status = fields.Function(lambda c: str(c.status))
    reason = fields.String()
    real_reason = fields.String()
    penalty = fields.Decimal(as_string=True)
    new_unit = fields.Function(lambda c: c.new_unit.label if c.new_unit else None)
    new_order_id = fields.Integer(allow_none=True)
    old_buyer_name = fields.String()
    new_buyer_name = fields.String()
    old_identity_id = fields.Integer(allow_none=True)
    new_identity_id = fields.Integer(allow_none=True)
    description = fields.String()
    fee = fields.Decimal(as_string=True, allow_none=True)
    finance_note = fields.String()
    approval_request_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    applied_at = fields.DateTime(allow_none=True)
    inspections = fields.Function(
        lambda c: [
            {"passed": i.passed, "note": i.note, "at": i.inspected_at.isoformat()}
            for i in c.inspections
        ]
    )


def change_query(args):
    query = select(ChangeRequest).order_by(ChangeRequest.id.desc())
    if str(args.get("order_id") or "").isdigit():
        query = query.where(ChangeRequest.order_id == int(args["order_id"]))
    if str(args.get("building_id") or "").isdigit():
        query = (
            query.join(Order, Order.id == ChangeRequest.order_id)
            .join(Unit, Unit.id == Order.unit_id)
            .where(Unit.building_id == int(args["building_id"]))
        )
    if args.get("kind") in [str(k) for k in ChangeKind]:
        query = query.where(ChangeRequest.kind == ChangeKind(args["kind"]))
    if args.get("status") in [str(s) for s in ChangeStatus]:
        query = query.where(ChangeRequest.status == ChangeStatus(args["status"]))
    return query


@bp.get("/order-changes")
@require_permission(VIEW)
def list_changes():
    return paginate(change_query(request.args), ChangeSchema())


@bp.post("/orders/<int:order_id>/changes")
@require_permission(CREATE)
def request_change(order_id):
    values = load_json(ChangeInput())
    order = get_or_404(Order, order_id)
    change = changes.request_change(order, g.erp_user, values.pop("kind"), values)
    return ChangeSchema().dump(change), 201


@bp.get("/order-changes/<int:change_id>")
@require_permission(VIEW)
def get_change(change_id):
    return ChangeSchema().dump(get_or_404(ChangeRequest, change_id))


@bp.post("/order-changes/<int:change_id>/fee")
@require_permission(VIEW)
def set_change_fee(change_id):
    fee = load_json(FeeInput())["fee"]
    return ChangeSchema().dump(
        changes.set_fee(get_or_404(ChangeRequest, change_id), g.erp_user, fee)
    )


@bp.post("/order-changes/<int:change_id>/inspection")
@require_permission(VIEW)
def inspect_change(change_id):
    values = load_json(InspectionInput())
    change = get_or_404(ChangeRequest, change_id)
    changes.inspect(change, g.erp_user, values["passed"], values["note"])
    return ChangeSchema().dump(change), 201


def register_openapi(spec):
    invalid = {"$ref": "#/components/responses/Invalid"}
    conflict = {"description": "The order's, unit's or change's state refuses it", **_json("Error")}
    for name, schema in (
        ("SalesChangeInput", ChangeInput),
        ("SalesChange", ChangeSchema),
        ("SalesFeeInput", FeeInput),
        ("SalesInspectionInput", InspectionInput),
    ):
        spec.components.schema(name, schema=schema)
    change = {"200": _json("SalesChange"), "409": conflict, "422": invalid}
    spec.path(
        path="/sales/orders/{order_id}/changes",
        operations={
            "post": {
                "summary": "Ask for a swap, refund, name or layout change (SAL-22–25); it is "
                "carried out when its approval route completes (core approvals API)",
                "requestBody": _json("SalesChangeInput"),
                "responses": {"201": _json("SalesChange"), "409": conflict, "422": invalid},
            }
        },
    )
    spec.path(
        path="/sales/order-changes",
        operations={
            "get": {
                "summary": "Changes to orders (filters: order_id, building_id, kind, status)",
                "responses": {"200": _json("Page")},
            }
        },
    )
    spec.path(
        path="/sales/order-changes/{change_id}",
        operations={"get": {"summary": "One change", "responses": {"200": _json("SalesChange")}}},
    )
    spec.path(
        path="/sales/order-changes/{change_id}/fee",
        operations={
            "post": {
                "summary": "Cost department sets a pending layout change's fee (SAL-25)",
                "requestBody": _json("SalesFeeInput"),
                "responses": {**change, "403": conflict},
            }
        },
    )
    spec.path(
        path="/sales/order-changes/{change_id}/inspection",
        operations={
            "post": {
                "summary": "Engineering records the inspection of a layout change (SAL-25)",
                "requestBody": _json("SalesInspectionInput"),
                "responses": {"201": _json("SalesChange"), "403": conflict, "409": conflict},
            }
        },
    )
