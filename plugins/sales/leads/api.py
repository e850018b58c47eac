"""``/api/v1/sales/leads`` (reception register) and ``/api/v1/sales/customers`` (records,
information file, follow-ups). The services hold the rules; bad input → 422, nothing written."""

from flask import Blueprint, g, request
from sqlalchemy import select

from core.api import get_or_404, load_json, paginate, require_permission
from core.api.openapi import PAGE_PARAMETERS, json_content, page_of, path_id, ref, responses
from core.extensions import db
from plugins.sales.leads import services
from plugins.sales.leads.models import Reception
from plugins.sales.leads.schemas import (
    CustomerFilterSchema,
    CustomerSchema,
    FollowUpSchema,
    RegistrationSchema,
)
from plugins.sales.models.customers import Customer

bp = Blueprint("sales_leads", __name__, url_prefix="/sales")
VIEW, REGISTER = "sales.view", "sales.leads.register"


@bp.post("/leads")
@require_permission(REGISTER)
def post_lead():
    entry = services.register(g.erp_company, load_json(RegistrationSchema()), g.erp_user)
    db.session.commit()
    return RegistrationSchema().dump(entry), 201


@bp.get("/leads")
@require_permission(VIEW)
def list_leads():
    query = select(Reception).order_by(Reception.at.desc(), Reception.id.desc())
    return paginate(query, RegistrationSchema())


@bp.get("/customers")
@require_permission(VIEW)
def list_customers():
    args = CustomerFilterSchema().load(request.args.to_dict())
    query = select(Customer).order_by(Customer.id)
    for name in ("rep_id", "grade", "source"):
        if name in args:
            query = query.where(getattr(Customer, name) == args[name])
    if "due_before" in args:
        query = query.where(Customer.follow_up_due_on < args["due_before"])
    return paginate(query, CustomerSchema())


@bp.get("/customers/<int:customer_id>")
@require_permission(VIEW)
def get_customer(customer_id):
    return CustomerSchema().dump(get_or_404(Customer, customer_id))


@bp.patch("/customers/<int:customer_id>")
@require_permission(REGISTER)
def patch_customer(customer_id):
    customer = get_or_404(Customer, customer_id)
    services.update_customer(g.erp_company, customer, load_json(CustomerSchema(), partial=True))
    db.session.commit()
    return CustomerSchema().dump(customer)


@bp.post("/customers/<int:customer_id>/follow-ups")
@require_permission(REGISTER)
def post_follow_up(customer_id):
    customer = get_or_404(Customer, customer_id)
    follow_up = services.record_follow_up(
        g.erp_company, customer, load_json(FollowUpSchema()), g.erp_user
    )
    db.session.commit()
    return FollowUpSchema().dump(follow_up), 201


def _body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref(name)}}}


def register_openapi(spec):
    for name, schema in (
        ("SalesLead", RegistrationSchema),
        ("SalesCustomer", CustomerSchema),
        ("SalesFollowUp", FollowUpSchema),
    ):
        spec.components.schema(name, schema=schema)
    customer = json_content(ref("SalesCustomer"))
    filters = [
        {"name": n, "in": "query", "schema": s}
        for n, s in (
            ("rep_id", {"type": "integer"}),
            ("grade", {"type": "string", "enum": ["A", "B", "C"]}),
            ("source", {"type": "string"}),
            ("due_before", {"type": "string", "format": "date"}),
        )
    ]
    spec.path(
        path="/sales/leads",
        operations={
            "get": {
                "summary": "The reception register, newest first",
                "parameters": PAGE_PARAMETERS,
                "responses": responses(json_content(page_of("SalesLead")), "403", "404", "422"),
            },
            "post": {
                "summary": "Register a hotline call or a walk-in (a customer is created or found)",
                "requestBody": _body("SalesLead"),
                "responses": responses(
                    json_content(ref("SalesLead")), "403", "404", "422", ok_code="201"
                ),
            },
        },
    )
    spec.path(
        path="/sales/customers",
        operations={
            "get": {
                "summary": "Customers, filtered by rep, grade, source, follow-up due date",
                "parameters": PAGE_PARAMETERS + filters,
                "responses": responses(json_content(page_of("SalesCustomer")), "403", "404", "422"),
            }
        },
    )
    spec.path(
        path="/sales/customers/{customer_id}",
        parameters=path_id("customer_id"),
        operations={
            "get": {"summary": "A customer", "responses": responses(customer, "403", "404")},
            "patch": {
                "summary": "Change the customer information file or grade",
                "requestBody": _body("SalesCustomer"),
                "responses": responses(customer, "403", "404", "422"),
            },
        },
    )
    spec.path(
        path="/sales/customers/{customer_id}/follow-ups",
        parameters=path_id("customer_id"),
        operations={
            "post": {
                "summary": "Record a follow-up done; moves the next due date",
                "requestBody": _body("SalesFollowUp"),
                "responses": responses(
                    json_content(ref("SalesFollowUp")), "403", "404", "422", ok_code="201"
                ),
            }
        },
    )
