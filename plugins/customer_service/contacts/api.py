"""``/api/v1/cs/log`` (the work log, deletion requests, sign-offs), ``/api/v1/cs/escalations``
and ``/api/v1/cs/coordination`` (CS-14). Rules live in the services; bad input → 422."""

from flask import Blueprint, g, request
from sqlalchemy import select

from core.api import get_or_404, load_json, paginate, require_permission
from core.api.openapi import PAGE_PARAMETERS, json_content, page_of, path_id, ref, responses
from core.extensions import db
from plugins.customer_service.contacts import (
    ANSWER,
    COORDINATE,
    ESCALATIONS,
    LOG,
    SIGN,
    escalations,
    services,
)
from plugins.customer_service.contacts.models import (
    CoordinationRequest,
    Escalation,
    LogEntry,
    LogSignOff,
)
from plugins.customer_service.contacts.schemas import (
    AnswerSchema,
    CoordinationSchema,
    DoneSchema,
    EscalationSchema,
    LogEntrySchema,
    LogFilterSchema,
    OpenFilterSchema,
    ReasonSchema,
    SignOffSchema,
    SignSchema,
)

bp = Blueprint("cs_contacts", __name__, url_prefix="/cs")
VIEW = "customer_service.view"


@bp.get("/log")
@require_permission(VIEW)
def list_log():
    args = LogFilterSchema().load(request.args.to_dict())
    filters = {k: v for k, v in args.items() if k not in ("page", "per_page")}
    return paginate(services.log_query(**filters), LogEntrySchema())


@bp.post("/log")
@require_permission(LOG)
def post_log():
    entry = services.record_contact(g.erp_company, g.erp_user, load_json(LogEntrySchema()))
    db.session.commit()
    return LogEntrySchema().dump(entry), 201


@bp.get("/log/<int:entry_id>")
@require_permission(VIEW)
def get_log(entry_id):
    return LogEntrySchema().dump(get_or_404(LogEntry, entry_id))


@bp.post("/log/<int:entry_id>/delete-request")
@require_permission(LOG)
def request_delete(entry_id):
    entry = get_or_404(LogEntry, entry_id)
    reason = load_json(ReasonSchema())["reason"]
    approval = services.request_delete(g.erp_company, entry, reason, g.erp_user)
    return {"approval_request_id": approval.id, "status": str(approval.status)}, 202


@bp.get("/log/sign-offs")
@require_permission(VIEW)
def list_signoffs():
    query = select(LogSignOff).order_by(LogSignOff.week.desc(), LogSignOff.rep_id)
    if request.args.get("status"):
        query = query.where(LogSignOff.status == request.args["status"])
    return paginate(query, SignOffSchema())


@bp.post("/log/sign-offs")
@require_permission(SIGN)
def sign():
    data = load_json(SignSchema())
    signoff = services.sign_week(
        g.erp_company, data["rep_id"], data["week"], g.erp_user, data["comment"]
    )
    db.session.commit()
    return SignOffSchema().dump(signoff)


@bp.get("/escalations")
@require_permission(ESCALATIONS)
def list_escalations():
    args = OpenFilterSchema().load(request.args.to_dict())
    return paginate(escalations.open_escalations(overdue_only=args["overdue"]), EscalationSchema())


def _act_on_escalation(escalation_id, action, schema, field):
    escalation = get_or_404(Escalation, escalation_id)
    action(g.erp_company, escalation, g.erp_user, load_json(schema)[field])
    db.session.commit()
    return EscalationSchema().dump(escalation)


@bp.post("/escalations/<int:escalation_id>/answer")
@require_permission(ANSWER)
def answer_escalation(escalation_id):
    return _act_on_escalation(escalation_id, escalations.answer, AnswerSchema(), "answer")


@bp.post("/escalations/<int:escalation_id>/escalate")
@require_permission(ANSWER)
def escalate(escalation_id):
    return _act_on_escalation(escalation_id, escalations.escalate, ReasonSchema(), "reason")


@bp.get("/coordination")
@require_permission(COORDINATE)
def list_coordination():
    args = OpenFilterSchema().load(request.args.to_dict())
    return paginate(
        escalations.open_coordination(overdue_only=args["overdue"]), CoordinationSchema()
    )


@bp.post("/coordination")
@require_permission(LOG)
def post_coordination():
    data = load_json(CoordinationSchema())
    created = escalations.request_coordination(g.erp_company, g.erp_user, data)
    db.session.commit()
    return CoordinationSchema().dump(created), 201


@bp.post("/coordination/<int:request_id>/done")
@require_permission(COORDINATE)
def coordination_done(request_id):
    found = get_or_404(CoordinationRequest, request_id)
    result = load_json(DoneSchema())["result"]
    escalations.complete_coordination(g.erp_company, found, g.erp_user, result)
    db.session.commit()
    return CoordinationSchema().dump(found)


def body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref(name)}}}


def query(*params) -> list[dict]:
    return [{"name": n, "in": "query", "schema": {"type": t}} for n, t in params]


def register_openapi(spec):
    for name, schema in (
        ("CsLogEntry", LogEntrySchema),
        ("CsReason", ReasonSchema),
        ("CsSign", SignSchema),
        ("CsSignOff", SignOffSchema),
        ("CsEscalation", EscalationSchema),
        ("CsAnswer", AnswerSchema),
        ("CsCoordination", CoordinationSchema),
        ("CsDone", DoneSchema),
    ):
        spec.components.schema(name, schema=schema)
    entry = json_content(ref("CsLogEntry"))
    escalation = json_content(ref("CsEscalation"))
    coordination = json_content(ref("CsCoordination"))
    overdue = query(("overdue", "boolean"))
    spec.path(
        path="/cs/log",
        operations={
            "get": {
                "summary": "The work log, newest first, by rep, ISO week, customer",
                "parameters": PAGE_PARAMETERS
                + query(
                    ("rep_id", "integer"),
                    ("week", "string"),
                    ("customer_id", "integer"),
                    ("include_deleted", "boolean"),
                ),
                "responses": responses(json_content(page_of("CsLogEntry")), "403", "404", "422"),
            },
            "post": {
                "summary": "Log a contact; outside the rep's authority it goes to the CS manager",
                "requestBody": body("CsLogEntry"),
                "responses": responses(entry, "403", "404", "422", ok_code="201"),
            },
        },
    )
    spec.path(
        path="/cs/log/{entry_id}",
        parameters=path_id("entry_id"),
        operations={"get": {"summary": "A log entry", "responses": responses(entry, "403", "404")}},
    )
    spec.path(
        path="/cs/log/{entry_id}/delete-request",
        parameters=path_id("entry_id"),
        operations={
            "post": {
                "summary": "Ask the VP to delete the entry (it stays, marked deleted)",
                "requestBody": body("CsReason"),
                "responses": responses(
                    json_content({"type": "object"}), "403", "404", "422", ok_code="202"
                ),
            }
        },
    )
    spec.path(
        path="/cs/log/sign-offs",
        operations={
            "get": {
                "summary": "Weekly sign-offs of the reps' logs (pending and signed)",
                "parameters": PAGE_PARAMETERS + query(("status", "string")),
                "responses": responses(json_content(page_of("CsSignOff")), "403", "404"),
            },
            "post": {
                "summary": "The CS manager signs a rep's log of a finished week",
                "requestBody": body("CsSign"),
                "responses": responses(json_content(ref("CsSignOff")), "403", "404", "422"),
            },
        },
    )
    spec.path(
        path="/cs/escalations",
        operations={
            "get": {
                "summary": "Unanswered escalations, oldest deadline first (overdue only)",
                "parameters": PAGE_PARAMETERS + overdue,
                "responses": responses(json_content(page_of("CsEscalation")), "403", "404"),
            }
        },
    )
    for action, name, summary in (
        ("answer", "CsAnswer", "The customer was answered"),
        ("escalate", "CsReason", "Pass it up: CS manager → VP → GM"),
    ):
        spec.path(
            path=f"/cs/escalations/{{escalation_id}}/{action}",
            parameters=path_id("escalation_id"),
            operations={
                "post": {
                    "summary": summary,
                    "requestBody": body(name),
                    "responses": responses(escalation, "403", "404", "422"),
                }
            },
        )
    spec.path(
        path="/cs/coordination",
        operations={
            "get": {
                "summary": "Open coordination requests, earliest due first (overdue only)",
                "parameters": PAGE_PARAMETERS + overdue,
                "responses": responses(json_content(page_of("CsCoordination")), "403", "404"),
            },
            "post": {
                "summary": "Ask another department, with a due date",
                "requestBody": body("CsCoordination"),
                "responses": responses(coordination, "403", "404", "422", ok_code="201"),
            },
        },
    )
    spec.path(
        path="/cs/coordination/{request_id}/done",
        parameters=path_id("request_id"),
        operations={
            "post": {
                "summary": "The department did it",
                "requestBody": body("CsDone"),
                "responses": responses(coordination, "403", "404", "422"),
            }
        },
    )
