"""JSON API of the sales reports (SAL-26/27) under ``/api/v1/sales/reports``."""

from flask import Blueprint, request
from marshmallow import Schema, fields, validate

from core.api import get_or_404, require_permission
from core.duties import today
from core.models import Project
from plugins.sales.models.customers import CustomerGrade, SourceChannel
from plugins.sales.reports import VIEW, services

bp = Blueprint("sales_reports", __name__, url_prefix="/sales/reports")


class FilterSchema(Schema):
    project = fields.Integer(load_default=None)
    rep = fields.Integer(load_default=None)
    first = fields.Date(load_default=None)
    last = fields.Date(load_default=None)
    source = fields.String(load_default=None, validate=validate.OneOf(list(SourceChannel)))
    grade = fields.String(load_default=None, validate=validate.OneOf(list(CustomerGrade)))


class ProgressQuery(Schema):
    project = fields.Integer(required=True)
    year = fields.Integer(load_default=None, validate=validate.Range(2000, 2100))
    quarter = fields.Integer(load_default=None, validate=validate.Range(1, 4))


def _filters() -> services.Filters:
    args = FilterSchema().load(request.args)
    return services.Filters(
        project_id=args["project"],
        rep_id=args["rep"],
        first=args["first"],
        last=args["last"],
        source=args["source"],
        grade=args["grade"],
    )


def _json(rows: list[dict]) -> list[dict]:
    """Dates as ISO strings, money and ratios as strings (exact Decimals)."""
    plain = (str, int, type(None))
    return [{k: v if isinstance(v, plain) else str(v) for k, v in r.items()} for r in rows]


@bp.get("/deals")
@require_permission(VIEW)
def deals():
    return {"items": _json(services.deal_report(_filters()))}


@bp.get("/lost-customers")
@require_permission(VIEW)
def lost_customers():
    return {"items": _json(services.lost_customer_report(_filters()))}


@bp.get("/progress")
@require_permission(VIEW)
def progress():
    args = ProgressQuery().load(request.args)
    project = get_or_404(Project, args["project"])
    year, quarter = services.quarter_of(today())
    report = services.progress(project, args["year"] or year, args["quarter"] or quarter)
    return {
        "project_id": project.id,
        "year": report["year"],
        "quarter": report["quarter"],
        "weeks": _json(report["rows"]),
    }


def register_openapi(spec):
    spec.components.schema("SalesReportFilter", schema=FilterSchema)
    filters = [
        {"in": "query", "name": name, "schema": {"type": kind}}
        for name, kind in (
            ("project", "integer"),
            ("rep", "integer"),
            ("first", "string"),
            ("last", "string"),
            ("source", "string"),
            ("grade", "string"),
        )
    ]
    for path, summary in (
        ("/sales/reports/deals", "Deal report (SAL-26)"),
        ("/sales/reports/lost-customers", "Lost-customer analysis (SAL-26)"),
    ):
        get = {
            "summary": summary,
            "parameters": filters,
            "responses": {"200": {"description": "rows"}},
        }
        spec.path(path=path, operations={"get": get})
    get = {
        "summary": "Weekly plan against actuals of a site for a quarter (SAL-27)",
        "parameters": [
            {"in": "query", "name": n, "schema": {"type": "integer"}}
            for n in ("project", "year", "quarter")
        ],
        "responses": {"200": {"description": "weeks"}},
    }
    spec.path(path="/sales/reports/progress", operations={"get": get})
