"""JSON API under ``/api/v1/cs``: households and their reps (CS-01), a project's staffing
(CS-02), satisfaction surveys and segment tags (CS-21)."""

from flask import Blueprint, g, request
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.api import get_or_404, load_json, paginate, require_permission
from core.api.openapi import PAGE_PARAMETERS, json_content, page_of, path_id, ref, responses
from core.extensions import db
from core.models import Project, User
from plugins.customer_service.models import Household
from plugins.customer_service.staffing import ASSIGN, SURVEY, VIEW, segments, services
from plugins.customer_service.staffing.models import SegmentTag, Survey
from plugins.customer_service.staffing.report import staffing
from plugins.customer_service.staffing.schemas import (
    HouseholdFilterSchema,
    HouseholdSchema,
    PeriodSchema,
    PoolInput,
    ReassignInput,
    SatisfactionSchema,
    SegmentFilterSchema,
    SegmentInput,
    SegmentTagSchema,
    StaffingSchema,
    SurveyFilterSchema,
    SurveySchema,
)
from plugins.sales.models import Customer, Unit

bp = Blueprint("cs_staffing", __name__, url_prefix="/cs")


def household_query(project_id: int | None = None, rep_id: int | None = None):
    # A page shows each row's unit (with its building), customer, rep and project.
    query = (
        select(Household)
        .options(
            selectinload(Household.unit).selectinload(Unit.building),
            selectinload(Household.customer),
            selectinload(Household.rep),
            selectinload(Household.project),
        )
        .order_by(Household.project_id, Household.unit_id)
    )
    if project_id:
        query = query.where(Household.project_id == project_id)
    if rep_id:
        query = query.where(Household.rep_id == rep_id)
    return query


@bp.get("/households")
@require_permission(VIEW)
def list_households():
    filters = HouseholdFilterSchema().load(request.args.to_dict())
    return paginate(household_query(filters.get("project"), filters.get("rep")), HouseholdSchema())


@bp.post("/households/<int:household_id>/reassign")
@require_permission(ASSIGN)
def reassign(household_id):
    household = get_or_404(Household, household_id)
    data = load_json(ReassignInput())
    rep = _user("rep_id", data["rep_id"])
    return HouseholdSchema().dump(services.reassign(g.erp_company, household, rep))


def _user(field: str, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise ValidationError({field: [_("No such user.")]})
    return user


def _staffing(project: Project, moved: int | None = None) -> dict:
    data = staffing(g.erp_company, project).as_dict()
    if moved is not None:
        data["moved"] = moved
    return StaffingSchema().dump(data)


@bp.get("/staffing/<int:project_id>")
@require_permission(VIEW)
def get_staffing(project_id):
    return _staffing(get_or_404(Project, project_id))


@bp.put("/staffing/<int:project_id>/pool")
@require_permission(ASSIGN)
def set_pool(project_id):
    project = get_or_404(Project, project_id)
    data = load_json(PoolInput())
    return _staffing(project, services.set_pool(g.erp_company, project, data["user_ids"]))


@bp.post("/staffing/<int:project_id>/rebalance")
@require_permission(ASSIGN)
def rebalance(project_id):
    project = get_or_404(Project, project_id)
    return _staffing(project, services.rebalance(g.erp_company, project))


@bp.post("/reps/<int:user_id>/leave")
@require_permission(ASSIGN)
def rep_leaves(user_id):
    rep = _user("user_id", user_id)
    return {"moved": services.rep_leaves(g.erp_company, rep)}


@bp.get("/surveys")
@require_permission(VIEW)
def list_surveys():
    filters = SurveyFilterSchema().load(request.args.to_dict())
    query = select(Survey).order_by(Survey.surveyed_on.desc(), Survey.id.desc())
    if "project" in filters:
        query = query.where(Survey.project_id == filters["project"])
    if "customer" in filters:
        query = query.where(Survey.customer_id == filters["customer"])
    return paginate(query, SurveySchema())


@bp.post("/surveys")
@require_permission(SURVEY)
def record_survey():
    data = load_json(SurveySchema())
    return SurveySchema().dump(segments.record_survey(g.erp_company, g.erp_user, data)), 201


@bp.get("/satisfaction")
@require_permission(VIEW)
def satisfaction():
    period = PeriodSchema().load(request.args.to_dict())
    rows = segments.satisfaction(period.get("first"), period.get("last"))
    return {"items": SatisfactionSchema().dump(rows, many=True)}


@bp.get("/segments")
@require_permission(VIEW)
def list_segments():
    filters = SegmentFilterSchema().load(request.args.to_dict())
    query = select(SegmentTag).order_by(SegmentTag.customer_id)
    if "segment" in filters:
        query = query.where(SegmentTag.segment == filters["segment"])
    return paginate(query, SegmentTagSchema())


@bp.put("/customers/<int:customer_id>/segment")
@require_permission(SURVEY)
def tag(customer_id):
    customer = get_or_404(Customer, customer_id)
    segment = load_json(SegmentInput())["segment"]
    return SegmentTagSchema().dump(
        segments.tag_customer(g.erp_company, g.erp_user, customer.id, segment)
    )


@bp.delete("/customers/<int:customer_id>/segment")
@require_permission(SURVEY)
def untag(customer_id):
    segments.untag_customer(g.erp_company, get_or_404(Customer, customer_id).id)
    return "", 204


def openapi(spec) -> None:
    for name, schema in (
        ("CsHousehold", HouseholdSchema),
        ("CsReassignInput", ReassignInput),
        ("CsPoolInput", PoolInput),
        ("CsStaffing", StaffingSchema),
        ("CsSurvey", SurveySchema),
        ("CsSatisfaction", SatisfactionSchema),
        ("CsSegmentTag", SegmentTagSchema),
        ("CsSegmentInput", SegmentInput),
    ):
        spec.components.schema(name, schema=schema)

    def body(name):
        return {"content": {"application/json": {"schema": ref(name)}}}

    def query(*names):
        return [{"name": n, "in": "query", "schema": {"type": "integer"}} for n in names]

    staffing_ok = json_content(ref("CsStaffing"))
    spec.path(
        path="/cs/households",
        operations={
            "get": {
                "summary": "Households with their rep (CS-01), by project and rep",
                "parameters": query("project", "rep") + PAGE_PARAMETERS,
                "responses": responses(json_content(page_of("CsHousehold")), "403", "422"),
            }
        },
    )
    spec.path(
        path="/cs/households/{household_id}/reassign",
        parameters=path_id("household_id"),
        operations={
            "post": {
                "summary": "Give a household to another rep serving its project",
                "requestBody": body("CsReassignInput"),
                "responses": responses(json_content(ref("CsHousehold")), "403", "404", "422"),
            }
        },
    )
    spec.path(
        path="/cs/staffing/{project_id}",
        parameters=path_id("project_id"),
        operations={
            "get": {
                "summary": "A project's staffing (CS-02): required and actual reps, loads",
                "responses": responses(staffing_ok, "403", "404"),
            }
        },
    )
    spec.path(
        path="/cs/staffing/{project_id}/pool",
        parameters=path_id("project_id"),
        operations={
            "put": {
                "summary": "Name the reps serving a project, then rebalance it",
                "requestBody": body("CsPoolInput"),
                "responses": responses(staffing_ok, "403", "404", "422"),
            }
        },
    )
    spec.path(
        path="/cs/staffing/{project_id}/rebalance",
        parameters=path_id("project_id"),
        operations={
            "post": {
                "summary": "Restore the balance of a project with the fewest moves",
                "responses": responses(staffing_ok, "403", "404"),
            }
        },
    )
    moved = {"type": "object", "properties": {"moved": {"type": "integer"}}}
    spec.path(
        path="/cs/reps/{user_id}/leave",
        parameters=path_id("user_id"),
        operations={
            "post": {
                "summary": "A rep leaves: their households spread over the others",
                "responses": responses(json_content(moved), "403", "422"),
            }
        },
    )
    spec.path(
        path="/cs/surveys",
        operations={
            "get": {
                "summary": "Satisfaction surveys (CS-21), by project and customer",
                "parameters": query("project", "customer") + PAGE_PARAMETERS,
                "responses": responses(json_content(page_of("CsSurvey")), "403", "422"),
            },
            "post": {
                "summary": "Record a customer's satisfaction survey (score 1–5)",
                "requestBody": body("CsSurvey"),
                "responses": responses(json_content(ref("CsSurvey")), "403", "422", ok_code="201"),
            },
        },
    )
    day = {"type": "string", "format": "date"}
    dates = [{"name": n, "in": "query", "schema": day} for n in ("first", "last")]
    rows = {"type": "array", "items": ref("CsSatisfaction")}
    items = {"type": "object", "properties": {"items": rows}}
    spec.path(
        path="/cs/satisfaction",
        operations={
            "get": {
                "summary": "Average satisfaction per project, surveys between first and last",
                "parameters": dates,
                "responses": responses(json_content(items), "403", "422"),
            }
        },
    )
    segment = [{"name": "segment", "in": "query", "schema": {"type": "string"}}]
    spec.path(
        path="/cs/segments",
        operations={
            "get": {
                "summary": "Customers' segment tags (CS-21), by segment",
                "parameters": segment + PAGE_PARAMETERS,
                "responses": responses(json_content(page_of("CsSegmentTag")), "403", "422"),
            }
        },
    )
    spec.path(
        path="/cs/customers/{customer_id}/segment",
        parameters=path_id("customer_id"),
        operations={
            "put": {
                "summary": "Tag a customer with a segment (replaces the one before)",
                "requestBody": body("CsSegmentInput"),
                "responses": responses(json_content(ref("CsSegmentTag")), "403", "404", "422"),
            },
            "delete": {
                "summary": "Remove a customer's segment tag",
                "responses": responses({"description": "Removed"}, "403", "404", ok_code="204"),
            },
        },
    )
