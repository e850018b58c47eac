"""JSON API of dunning (CS-10, CS-11) under ``/api/v1/cs/dunning``."""

from flask import Blueprint, g, request
from sqlalchemy import func, select

from core.api import get_or_404, load_json, paginate, require_permission
from core.api.openapi import PAGE_PARAMETERS, json_content, page_of, path_id, ref, responses
from core.api.pagination import page_args
from core.duties import today
from core.extensions import db
from plugins.customer_service.dunning import cases
from plugins.customer_service.dunning.models import DunningHold, DunningList, DunningTask
from plugins.customer_service.dunning.schemas import (
    CaseQuery,
    CaseSchema,
    DoneInput,
    HoldInput,
    HoldSchema,
    ListDetailSchema,
    ListRowSchema,
    ListSchema,
    OutcomeInput,
    ReleaseInput,
    ResolveInput,
    TaskQuery,
    TaskSchema,
)
from plugins.customer_service.models import Contract

bp = Blueprint("cs_dunning", __name__, url_prefix="/cs/dunning")
VIEW = "customer_service.dunning.view"


@bp.get("/cases")
@require_permission(VIEW)
def list_cases():
    """A page of cases described as of today (next step, termination date, hold)."""
    meeting = CaseQuery().load(request.args.to_dict())["meeting"]
    page, per_page = page_args()
    query = cases.cases_query(meeting_only=meeting)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {
        "items": CaseSchema().dump(cases.describe(g.erp_company, rows, today()), many=True),
        "page": page,
        "per_page": per_page,
        "total": total,
    }


@bp.post("/contracts/<int:contract_id>/hold")
@require_permission(cases.HOLD)
def hold(contract_id):
    contract = get_or_404(Contract, contract_id)
    record = cases.hold(g.erp_company, g.erp_user, contract, load_json(HoldInput())["reason"])
    return HoldSchema().dump(record), 201


@bp.post("/holds/<int:hold_id>/release")
@require_permission(cases.HOLD)
def release(hold_id):
    record = get_or_404(DunningHold, hold_id)
    note = load_json(ReleaseInput())["note"]
    return HoldSchema().dump(cases.release_hold(g.erp_company, g.erp_user, record, note))


@bp.get("/tasks")
@require_permission(VIEW)
def list_tasks():
    args = TaskQuery().load(request.args.to_dict())
    query = cases.tasks_query(g.erp_user if args["mine"] else None, args["open"], args["kind"])
    return paginate(query, TaskSchema())


@bp.post("/tasks/<int:task_id>/done")
@require_permission(cases.WORK)
def task_done(task_id):
    task = get_or_404(DunningTask, task_id)
    note = load_json(DoneInput())["note"]
    return TaskSchema().dump(cases.complete_task(g.erp_company, g.erp_user, task, note, today()))


@bp.post("/tasks/<int:task_id>/outcome")
@require_permission(cases.WORK)
def task_outcome(task_id):
    task = get_or_404(DunningTask, task_id)
    data = load_json(OutcomeInput())
    done = cases.record_outcome(
        g.erp_company, g.erp_user, task, data["cause"], data["note"], today()
    )
    return TaskSchema().dump(done)


@bp.post("/tasks/<int:task_id>/resolve")
@require_permission(cases.RESOLVE)
def task_resolve(task_id):
    task = get_or_404(DunningTask, task_id)
    text = load_json(ResolveInput())["resolution"]
    return TaskSchema().dump(cases.resolve(g.erp_company, g.erp_user, task, text, today()))


@bp.get("/lists")
@require_permission(VIEW)
def list_lists():
    return paginate(select(DunningList).order_by(DunningList.list_date.desc()), ListSchema())


@bp.get("/lists/<int:list_id>")
@require_permission(VIEW)
def get_list(list_id):
    return ListDetailSchema().dump(get_or_404(DunningList, list_id))


def _post(summary: str, body: str, schema: str, *errors, ok_code="200") -> dict:
    return {
        "post": {
            "summary": summary,
            "requestBody": {"content": {"application/json": {"schema": ref(body)}}},
            "responses": responses(json_content(ref(schema)), *errors, ok_code=ok_code),
        }
    }


def openapi(spec) -> None:
    for name, schema in (
        # Nested schemas first, so the ones nesting them refer to these names.
        ("DunningHold", HoldSchema),
        ("DunningListRow", ListRowSchema),
        ("DunningCase", CaseSchema),
        ("DunningTask", TaskSchema),
        ("DunningList", ListSchema),
        ("DunningListDetail", ListDetailSchema),
        ("DunningHoldInput", HoldInput),
        ("DunningReleaseInput", ReleaseInput),
        ("DunningDoneInput", DoneInput),
        ("DunningOutcomeInput", OutcomeInput),
        ("DunningResolveInput", ResolveInput),
    ):
        spec.components.schema(name, schema=schema)
    boolean = {"type": "boolean"}
    spec.path(
        path="/cs/dunning/cases",
        operations={
            "get": {
                "summary": "Instalments under dunning: step, next step, termination date, hold "
                "(meeting=true: from the demand letter on)",
                "parameters": [{"name": "meeting", "in": "query", "schema": boolean}]
                + PAGE_PARAMETERS,
                "responses": responses(json_content(page_of("DunningCase")), "403", "422"),
            }
        },
    )
    spec.path(
        path="/cs/dunning/contracts/{contract_id}/hold",
        parameters=path_id("contract_id"),
        operations=_post(
            "The VP puts a contract's dunning on hold, with a reason",
            "DunningHoldInput",
            "DunningHold",
            "403",
            "404",
            "422",
            ok_code="201",
        ),
    )
    spec.path(
        path="/cs/dunning/holds/{hold_id}/release",
        parameters=path_id("hold_id"),
        operations=_post(
            "Release a hold: the ladder resumes",
            "DunningReleaseInput",
            "DunningHold",
            "403",
            "404",
            "422",
        ),
    )
    spec.path(
        path="/cs/dunning/tasks",
        operations={
            "get": {
                "summary": "Dunning tasks (mine=true: the caller's; open=false: done ones too)",
                "parameters": [
                    {"name": "mine", "in": "query", "schema": boolean},
                    {"name": "open", "in": "query", "schema": boolean},
                    {"name": "kind", "in": "query", "schema": {"type": "string"}},
                ]
                + PAGE_PARAMETERS,
                "responses": responses(json_content(page_of("DunningTask")), "403", "422"),
            }
        },
    )
    for action, body, summary in (
        ("done", "DunningDoneInput", "Mark a phone call or reminder done"),
        ("outcome", "DunningOutcomeInput", "Record an investigation's cause"),
        ("resolve", "DunningResolveInput", "Resolve a late payment caused by the company"),
    ):
        spec.path(
            path=f"/cs/dunning/tasks/{{task_id}}/{action}",
            parameters=path_id("task_id"),
            operations=_post(summary, body, "DunningTask", "403", "404", "422"),
        )
    spec.path(
        path="/cs/dunning/lists",
        operations={
            "get": {
                "summary": "The weekly dunning lists, newest first, with their sign-off",
                "parameters": PAGE_PARAMETERS,
                "responses": responses(json_content(page_of("DunningList")), "403", "422"),
            }
        },
    )
    spec.path(
        path="/cs/dunning/lists/{list_id}",
        parameters=path_id("list_id"),
        operations={
            "get": {
                "summary": "One weekly dunning list with its rows",
                "responses": responses(json_content(ref("DunningListDetail")), "403", "404"),
            }
        },
    )
