"""JSON API: the purchase plan (SAL-16) and orders (SAL-17–21) under ``/api/v1/sales``."""

from flask import Blueprint, g, make_response, request
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select

from core import approvals
from core.api import error, get_or_404, load_json, paginate, require_permission
from core.extensions import db
from core.letters import render_letter
from core.plugins.state import get_settings
from plugins.sales import mortgage_calc as mc
from plugins.sales.models import Unit
from plugins.sales.orders import CREATE, REVIEW, VIEW, VOID, discounts, services
from plugins.sales.orders import review as reviews
from plugins.sales.orders.models import DepositKind, Order, OrderStatus, PaymentMethod
from plugins.sales.orders.plans import plan_dict, plan_letter, purchase_plan

bp = Blueprint("sales_orders", __name__, url_prefix="/sales")

PCT = {"as_string": True, "validate": validate.Range(min=0, max=100)}


def _choice(enum):
    return validate.OneOf([str(e) for e in enum])


class PlanInput(Schema):
    unit_id = fields.Integer(required=True)
    method = fields.String(required=True, validate=_choice(PaymentMethod))
    discount_pct = fields.Decimal(load_default="0", **PCT)
    deposit = fields.Decimal(load_default="0", as_string=True, validate=validate.Range(min=0))
    down_pct = fields.Decimal(load_default=None, allow_none=True, **PCT)
    loan_kind = fields.String(load_default="commercial", validate=_choice(mc.LoanKind))
    loan_method = fields.String(load_default="equal_instalments", validate=_choice(mc.Method))
    years = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 30))
    ordered_on = fields.Date(load_default=None, allow_none=True)
    customer_name = fields.String(load_default="", validate=validate.Length(max=100))


class OrderInput(Schema):
    unit_id = fields.Integer(required=True)
    customer_id = fields.Integer(required=True)
    co_buyers = fields.List(
        fields.String(validate=validate.Length(min=1, max=100)), load_default=list
    )
    discount_pct = fields.Decimal(load_default="0", **PCT)
    payment_method = fields.String(required=True, validate=_choice(PaymentMethod))
    deposit_kind = fields.String(required=True, validate=_choice(DepositKind))
    deposit = fields.Decimal(required=True, as_string=True)
    top_up_date = fields.Date(load_default=None, allow_none=True)
    signing_date = fields.Date(load_default=None, allow_none=True)
    down_pct = fields.Decimal(load_default=None, allow_none=True, **PCT)
    loan_kind = fields.String(load_default=None, allow_none=True, validate=_choice(mc.LoanKind))
    loan_method = fields.String(load_default=None, allow_none=True, validate=_choice(mc.Method))
    years = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 30))


class ReasonInput(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class VersionSchema(Schema):
    number = fields.Integer()
    co_buyers = fields.List(fields.String())
    list_price = fields.Decimal(as_string=True)
    discount_pct = fields.Decimal(as_string=True)
    price = fields.Decimal(as_string=True)
    payment_method = fields.Function(lambda v: str(v.payment_method))
    schedule = fields.List(fields.Dict())
    deposit_kind = fields.Function(lambda v: str(v.deposit_kind))
    deposit = fields.Decimal(as_string=True)
    top_up_date = fields.Date(allow_none=True)
    signing_date = fields.Date()
    change_reason = fields.String()
    created_at = fields.DateTime()


class OrderSchema(Schema):
    id = fields.Integer()
    unit_id = fields.Integer()
    unit = fields.Function(lambda o: o.unit.label)
    customer_id = fields.Integer()
    customer = fields.Function(lambda o: o.customer.name)
    rep = fields.Function(lambda o: o.rep.email)
    status = fields.Function(lambda o: str(o.status))
    ordered_on = fields.Date()
    signing_date = fields.Date()
    flagged_on = fields.Date(allow_none=True)
    version = fields.Integer()
    close_reason = fields.String()
    versions = fields.List(fields.Nested(VersionSchema))
    approvals = fields.Function(
        lambda o: [
            {"id": r.id, "status": str(r.status), "version": r.data.get("version")}
            for r in approvals.history(services.OWNER, o.id)
        ]
    )


class ReviewInput(Schema):
    overrides = fields.Dict(
        keys=fields.String(validate=validate.OneOf(list(reviews.CHECKS))),
        values=fields.Dict(),
        load_default=dict,
    )


@bp.errorhandler(services.OrderRefused)
def _refused(exc):
    db.session.rollback()
    return error(exc.status, str(exc))


def _plan():
    values = load_json(PlanInput())
    unit = get_or_404(Unit, values.pop("unit_id"))
    name = values.pop("customer_name")
    settings = get_settings(g.erp_company, "sales")
    args = {k: v for k, v in values.items() if v is not None}
    try:
        plan = purchase_plan(settings, unit, **args)
    except mc.LoanError as exc:
        raise ValidationError({"down_pct": [str(exc)]}) from None
    return plan, name


@bp.post("/purchase-plan")
@require_permission(VIEW)
def purchase_plan_json():
    plan, _name = _plan()
    return plan_dict(plan)


@bp.post("/purchase-plan.pdf")
@require_permission(VIEW)
def purchase_plan_pdf():
    plan, name = _plan()
    response = make_response(render_letter(plan_letter(plan, g.erp_company, name)))
    response.headers["Content-Type"] = "application/pdf"
    return response


def order_query(args):
    """Orders filtered by building, status, rep, customer, order date, signing date (the
    date the order is valid until, SAL-18) and the SAL-18 flag."""
    query = select(Order).join(Unit, Unit.id == Order.unit_id).order_by(Order.id.desc())
    errors = {}
    for name, column in (
        ("building_id", Unit.building_id),
        ("rep_id", Order.rep_id),
        ("customer_id", Order.customer_id),
    ):
        if args.get(name):
            if not str(args[name]).isdigit():
                errors[name] = ["must be an integer"]
            else:
                query = query.where(column == int(args[name]))
    if args.get("status"):
        if args["status"] not in [str(s) for s in OrderStatus]:
            errors["status"] = ["unknown status"]
        else:
            query = query.where(Order.status == OrderStatus(args["status"]))
    for name, column, op in (
        ("from", Order.ordered_on, "__ge__"),
        ("to", Order.ordered_on, "__le__"),
        ("signing_from", Order.signing_date, "__ge__"),
        ("signing_to", Order.signing_date, "__le__"),
    ):
        if args.get(name):
            try:
                day = fields.Date().deserialize(args[name])
            except ValidationError:
                errors[name] = ["must be a date YYYY-MM-DD"]
                continue
            query = query.where(getattr(column, op)(day))
    if args.get("flagged") == "1":
        query = query.where(Order.flagged_on.is_not(None))
    if errors:
        raise ValidationError(errors)
    return query


@bp.get("/orders")
@require_permission(VIEW)
def list_orders():
    return paginate(order_query(request.args), OrderSchema())


@bp.post("/orders")
@require_permission(CREATE)
def create_order():
    values = load_json(OrderInput())
    order = services.place_order(g.erp_company, g.erp_user, values)
    return OrderSchema().dump(order), 201


@bp.get("/orders/<int:order_id>")
@require_permission(VIEW)
def get_order(order_id):
    return OrderSchema().dump(get_or_404(Order, order_id))


@bp.post("/orders/<int:order_id>/void")
@require_permission(VOID)
def void_order(order_id):
    reason = load_json(ReasonInput())["reason"]
    return OrderSchema().dump(services.void_order(get_or_404(Order, order_id), g.erp_user, reason))


@bp.post("/orders/<int:order_id>/refund")
@require_permission(CREATE)
def refund_order(order_id):
    order = services.cooling_off_refund(get_or_404(Order, order_id), g.erp_user)
    return OrderSchema().dump(order)


@bp.post("/orders/<int:order_id>/review")
@require_permission(REVIEW)
def review_order(order_id):
    overrides = load_json(ReviewInput())["overrides"]
    review = reviews.record_review(get_or_404(Order, order_id), g.erp_user, overrides)
    return {"id": review.id, "passed": review.passed, "checks": review.checks}, 201


class SpecialOfferInput(Schema):
    unit_id = fields.Integer(required=True)
    discount_pct = fields.Decimal(required=True, as_string=True, places=3)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class SpecialOfferSchema(Schema):
    id = fields.Integer()
    unit_id = fields.Integer()
    normal_price = fields.Decimal(as_string=True)
    discount_pct = fields.Decimal(as_string=True)
    reason = fields.String()
    approval_request_id = fields.Integer()


@bp.post("/special-offers")
@require_permission(CREATE)
def create_special_offer():
    """A special-offer request (特惠申请, SAL-20): sales department → GM → finance."""
    values = load_json(SpecialOfferInput())
    offer = discounts.request_special_offer(
        g.erp_company,
        g.erp_user,
        get_or_404(Unit, values["unit_id"]),
        values["discount_pct"],
        values["reason"],
    )
    return SpecialOfferSchema().dump(offer), 201


def _json(name):
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


def register_openapi(spec):
    for name, schema in (
        ("SalesPlanInput", PlanInput),
        ("SalesOrderInput", OrderInput),
        ("SalesOrder", OrderSchema),
        ("SalesReasonInput", ReasonInput),
        ("SalesReviewInput", ReviewInput),
        ("SalesSpecialOfferInput", SpecialOfferInput),
        ("SalesSpecialOffer", SpecialOfferSchema),
    ):
        spec.components.schema(name, schema=schema)
    invalid = {"$ref": "#/components/responses/Invalid"}
    conflict = {
        "description": "Unit no longer available, or the order's state refuses it",
        **_json("Error"),
    }
    plan = {
        "summary": "Purchase plan (SAL-16) for a unit and payment method",
        "requestBody": _json("SalesPlanInput"),
        "responses": {"200": {"description": "plan"}, "422": invalid},
    }
    spec.path(path="/sales/purchase-plan", operations={"post": plan})
    offer = {
        "summary": "Request a special offer (SAL-20): sales department → GM → finance",
        "requestBody": _json("SalesSpecialOfferInput"),
        "responses": {"201": _json("SalesSpecialOffer"), "422": invalid},
    }
    spec.path(path="/sales/special-offers", operations={"post": offer})
    pdf = {
        **plan,
        "summary": "The purchase plan as a printable PDF",
        "responses": {"200": {"description": "application/pdf"}, "422": invalid},
    }
    spec.path(path="/sales/purchase-plan.pdf", operations={"post": pdf})
    page = _json("Page")
    spec.path(
        path="/sales/orders",
        operations={
            "get": {
                "summary": "Orders (filters: building_id, status, rep_id, customer_id, from, to, "
                "signing_from, signing_to, flagged)",
                "responses": {"200": page, "422": invalid},
            },
            "post": {
                "summary": "Write an order: takes the unit (SAL-13/15)",
                "requestBody": _json("SalesOrderInput"),
                "responses": {"201": _json("SalesOrder"), "409": conflict, "422": invalid},
            },
        },
    )
    spec.path(
        path="/sales/orders/{order_id}",
        operations={
            "get": {
                "summary": "One order with its versions",
                "responses": {"200": _json("SalesOrder")},
            }
        },
    )
    for action, summary, body in (
        ("void", "Void (site manager, with a reason; SAL-17)", _json("SalesReasonInput")),
        ("refund", "Cooling-off refund of the deposit (SAL-19)", None),
        ("review", "Customer-service review checklist (SAL-21)", _json("SalesReviewInput")),
    ):
        operation = {
            "summary": summary,
            "responses": {"200": _json("SalesOrder"), "409": conflict, "422": invalid},
        }
        if body:
            operation["requestBody"] = body
        spec.path(path=f"/sales/orders/{{order_id}}/{action}", operations={"post": operation})
