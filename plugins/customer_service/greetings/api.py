"""``/api/v1/cs/people`` (family members and birthdays), ``/api/v1/cs/birthdays``,
``/api/v1/cs/newsletters`` and ``/api/v1/cs/events`` (CS-16)."""

from flask import Blueprint, g, request
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from core.api import get_or_404, load_json, paginate, require_permission
from core.api.openapi import PAGE_PARAMETERS, json_content, page_of, path_id, ref, responses
from core.extensions import db
from plugins.customer_service.contacts.api import body, query
from plugins.customer_service.contacts.services import week_start
from plugins.customer_service.greetings import EDIT, services
from plugins.customer_service.greetings.models import (
    CustomerEvent,
    EventKind,
    Newsletter,
    Person,
    Relation,
)

bp = Blueprint("cs_greetings", __name__, url_prefix="/cs")
VIEW = "customer_service.view"


class PersonSchema(Schema):
    """The customer (``self``) or a known family member, with a birthday."""

    id = fields.Integer(dump_only=True)
    customer_id = fields.Integer(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    relation = fields.Enum(Relation, by_value=True, required=True)
    birthday = fields.Date(allow_none=True)
    note = fields.String(validate=validate.Length(max=200))


class NewsletterSchema(Schema):
    """The progress text of a project for a month (created or replaced)."""

    id = fields.Integer(dump_only=True)
    project_id = fields.Integer(required=True)
    month = fields.String(required=True, metadata={"description": "e.g. 2026-11"})
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(
        required=True, metadata={"description": "Paragraphs separated by blank lines"}
    )
    updated_at = fields.DateTime(dump_only=True)
    sent_at = fields.DateTime(dump_only=True)


class EventSchema(Schema):
    id = fields.Integer(dump_only=True)
    project_id = fields.Integer(required=True)
    kind = fields.Enum(EventKind, by_value=True, required=True)
    period = fields.String(required=True, validate=validate.Length(min=1, max=30))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    due_by = fields.Date(required=True)
    held_on = fields.Date(dump_only=True)
    attendees = fields.Integer(dump_only=True)
    notes = fields.String(validate=validate.Length(max=5000))


class HeldSchema(Schema):
    held_on = fields.Date(metadata={"description": "Default today (China)"})
    attendees = fields.Integer(validate=validate.Range(min=0))
    notes = fields.String(validate=validate.Length(max=5000))


@bp.get("/people")
@require_permission(VIEW)
def list_people():
    found = select(Person).order_by(Person.customer_id, Person.id)
    if request.args.get("customer_id", type=int):
        found = found.where(Person.customer_id == request.args.get("customer_id", type=int))
    return paginate(found, PersonSchema())


@bp.post("/people")
@require_permission(EDIT)
def post_person():
    person = services.save_person(g.erp_company, load_json(PersonSchema()))
    db.session.commit()
    return PersonSchema().dump(person), 201


@bp.patch("/people/<int:person_id>")
@require_permission(EDIT)
def patch_person(person_id):
    person = get_or_404(Person, person_id)
    services.save_person(g.erp_company, load_json(PersonSchema(), partial=True), person)
    db.session.commit()
    return PersonSchema().dump(person)


@bp.delete("/people/<int:person_id>")
@require_permission(EDIT)
def delete_person(person_id):
    db.session.delete(get_or_404(Person, person_id))
    db.session.commit()
    return "", 204


@bp.get("/birthdays")
@require_permission(VIEW)
def birthdays():
    monday = week_start(request.args.get("week", ""))
    return {"items": PersonSchema(many=True).dump(services.birthdays_in_week(monday, False))}


@bp.get("/newsletters")
@require_permission(VIEW)
def list_newsletters():
    found = select(Newsletter).order_by(Newsletter.month.desc(), Newsletter.project_id)
    if request.args.get("month"):
        found = found.where(Newsletter.month == services.check_month(request.args["month"]))
    return paginate(found, NewsletterSchema())


@bp.post("/newsletters")
@require_permission(EDIT)
def post_newsletter():
    newsletter = services.save_newsletter(g.erp_company, g.erp_user, load_json(NewsletterSchema()))
    db.session.commit()
    return NewsletterSchema().dump(newsletter), 201


@bp.post("/newsletters/<int:newsletter_id>/send")
@require_permission(EDIT)
def send_newsletter(newsletter_id):
    newsletter = get_or_404(Newsletter, newsletter_id)
    households = services.send_newsletter(g.erp_company, newsletter, g.erp_user)
    db.session.commit()
    return {"households": households}, 202


@bp.get("/events")
@require_permission(VIEW)
def list_events():
    return paginate(
        select(CustomerEvent).order_by(CustomerEvent.due_by.desc(), CustomerEvent.id),
        EventSchema(),
    )


@bp.post("/events")
@require_permission(EDIT)
def post_event():
    event = services.plan_event(g.erp_company, load_json(EventSchema()))
    db.session.commit()
    return EventSchema().dump(event), 201


@bp.post("/events/<int:event_id>/held")
@require_permission(EDIT)
def event_held(event_id):
    event = get_or_404(CustomerEvent, event_id)
    services.hold_event(event, load_json(HeldSchema()))
    db.session.commit()
    return EventSchema().dump(event)


def register_openapi(spec):
    for name, schema in (
        ("CsPerson", PersonSchema),
        ("CsNewsletter", NewsletterSchema),
        ("CsEvent", EventSchema),
        ("CsEventHeld", HeldSchema),
    ):
        spec.components.schema(name, schema=schema)
    person = json_content(ref("CsPerson"))
    spec.path(
        path="/cs/people",
        operations={
            "get": {
                "summary": "Customers and known family members, with birthdays",
                "parameters": PAGE_PARAMETERS + query(("customer_id", "integer")),
                "responses": responses(json_content(page_of("CsPerson")), "403", "404"),
            },
            "post": {
                "summary": "Add the customer or a family member",
                "requestBody": body("CsPerson"),
                "responses": responses(person, "403", "404", "422", ok_code="201"),
            },
        },
    )
    spec.path(
        path="/cs/people/{person_id}",
        parameters=path_id("person_id"),
        operations={
            "patch": {
                "summary": "Change a family member",
                "requestBody": body("CsPerson"),
                "responses": responses(person, "403", "404", "422"),
            },
            "delete": {
                "summary": "Remove a family member",
                "responses": responses({"description": "Removed"}, "403", "404", ok_code="204"),
            },
        },
    )
    spec.path(
        path="/cs/birthdays",
        operations={
            "get": {
                "summary": "The people whose birthday falls in an ISO week (Monday to Sunday)",
                "parameters": [
                    {"name": "week", "in": "query", "required": True, "schema": {"type": "string"}}
                ],
                "responses": responses(
                    json_content(
                        {
                            "type": "object",
                            "properties": {"items": {"type": "array", "items": ref("CsPerson")}},
                        }
                    ),
                    "403",
                    "404",
                    "422",
                ),
            }
        },
    )
    spec.path(
        path="/cs/newsletters",
        operations={
            "get": {
                "summary": "Newsletter texts, latest month first",
                "parameters": PAGE_PARAMETERS + query(("month", "string")),
                "responses": responses(json_content(page_of("CsNewsletter")), "403", "404", "422"),
            },
            "post": {
                "summary": "Write (or replace) a project's progress text of a month",
                "requestBody": body("CsNewsletter"),
                "responses": responses(
                    json_content(ref("CsNewsletter")), "403", "404", "422", ok_code="201"
                ),
            },
        },
    )
    spec.path(
        path="/cs/newsletters/{newsletter_id}/send",
        parameters=path_id("newsletter_id"),
        operations={
            "post": {
                "summary": "Queue it to every household of the project (once per household)",
                "responses": responses(
                    json_content({"type": "object"}), "403", "404", ok_code="202"
                ),
            }
        },
    )
    spec.path(
        path="/cs/events",
        operations={
            "get": {
                "summary": "Customer events (forums, holiday events)",
                "parameters": PAGE_PARAMETERS,
                "responses": responses(json_content(page_of("CsEvent")), "403", "404"),
            },
            "post": {
                "summary": "Plan a customer event",
                "requestBody": body("CsEvent"),
                "responses": responses(
                    json_content(ref("CsEvent")), "403", "404", "422", ok_code="201"
                ),
            },
        },
    )
    spec.path(
        path="/cs/events/{event_id}/held",
        parameters=path_id("event_id"),
        operations={
            "post": {
                "summary": "The event took place",
                "requestBody": body("CsEventHeld"),
                "responses": responses(json_content(ref("CsEvent")), "403", "404", "422"),
            }
        },
    )
