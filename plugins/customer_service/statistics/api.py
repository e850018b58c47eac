"""JSON API of CS-12 under ``/api/v1/cs/statistics``: the sales reports, reconciling a sales
month, explaining a difference, issuing a report, exporting it."""

import re

from flask import Blueprint, Response, g, request
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select

from core.api import get_or_404, load_json, paginate, require_permission
from core.api.openapi import PAGE_PARAMETERS, json_content, page_of, path_id, ref, responses
from core.duties import today
from core.extensions import db
from plugins.customer_service.statistics import MANAGE, VIEW, reconcile, reports
from plugins.customer_service.statistics.models import Difference, ReportKind, SalesReport
from plugins.sales.reports.services import FORMATS, export

bp = Blueprint("cs_statistics", __name__, url_prefix="/cs/statistics")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class DifferenceSchema(Schema):
    id = fields.Integer()
    kind = fields.Function(lambda d: str(d.kind))
    contract_id = fields.Integer(allow_none=True)
    project = fields.String()
    unit = fields.String()
    customer = fields.String()
    sales_amount = fields.Decimal(as_string=True, allow_none=True)
    cs_amount = fields.Decimal(as_string=True, allow_none=True)
    finance_amount = fields.Decimal(as_string=True, allow_none=True)
    detail = fields.String()
    note = fields.String()


class ReportSchema(Schema):
    id = fields.Integer()
    kind = fields.Function(lambda r: str(r.kind))
    period_key = fields.String()
    first = fields.Date()
    last = fields.Date()
    summary = fields.Dict()
    computed_at = fields.DateTime()
    issued_on = fields.Date(allow_none=True)
    pdf_document_id = fields.Integer(allow_none=True)
    xlsx_document_id = fields.Integer(allow_none=True)
    differences = fields.List(fields.Nested(DifferenceSchema))


class ReportQuery(Schema):
    kind = fields.String(load_default=None, validate=validate.OneOf(list(ReportKind)))


class ExportQuery(Schema):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(list(FORMATS)))


class ReconcileInput(Schema):
    month = fields.String(required=True, validate=validate.Regexp(MONTH, error="YYYY-MM"))


class NoteInput(Schema):
    note = fields.String(required=True, validate=validate.Length(max=2000))


@bp.get("/reports")
@require_permission(VIEW)
def list_reports():
    kind = ReportQuery().load(request.args.to_dict())["kind"]
    query = select(SalesReport).order_by(SalesReport.last.desc(), SalesReport.id.desc())
    if kind:
        query = query.where(SalesReport.kind == kind)
    return paginate(query, ReportSchema(exclude=("differences",)))


@bp.get("/reports/<int:report_id>")
@require_permission(VIEW)
def get_report(report_id):
    return ReportSchema().dump(get_or_404(SalesReport, report_id))


@bp.get("/reports/<int:report_id>/export")
@require_permission(VIEW)
def export_report(report_id):
    fmt = ExportQuery().load(request.args.to_dict())["format"]
    report = get_or_404(SalesReport, report_id)
    columns, rows = reports.table(report)
    name = f"sales-{report.kind}-{report.period_key}"
    return Response(
        export(columns, rows, fmt, name),
        mimetype=FORMATS[fmt],
        headers={"Content-Disposition": f"attachment; filename={name}.{fmt}"},
    )


@bp.post("/reconcile")
@require_permission(MANAGE)
def reconcile_month():
    month = load_json(ReconcileInput())["month"]
    year, number = (int(part) for part in month.split("-"))
    report = reconcile.reconcile(g.erp_company, reconcile.cutoff_of(g.erp_company, year, number))
    db.session.commit()
    return ReportSchema().dump(report)


@bp.post("/reports/<int:report_id>/issue")
@require_permission(MANAGE)
def issue_report(report_id):
    report = get_or_404(SalesReport, report_id)
    reports.issue(g.erp_company, report, today(), g.erp_user)
    db.session.commit()
    return ReportSchema().dump(report)


@bp.patch("/differences/<int:difference_id>")
@require_permission(MANAGE)
def note_difference(difference_id):
    difference = get_or_404(Difference, difference_id)
    values = load_json(NoteInput())
    if difference.report.kind != ReportKind.monthly:
        raise ValidationError({"note": ["only a monthly difference takes a note"]})
    reconcile.annotate(difference, values["note"])
    db.session.commit()
    return DifferenceSchema().dump(difference)


def register_openapi(spec):
    # Nested schemas first, so that the report refers to them by these names.
    for name, schema in (
        ("CsSalesDifference", DifferenceSchema),
        ("CsSalesReport", ReportSchema),
        ("CsReconcileInput", ReconcileInput),
        ("CsDifferenceNote", NoteInput),
    ):
        spec.components.schema(name, schema=schema)
    one = json_content(ref("CsSalesReport"))
    spec.path(
        path="/cs/statistics/reports",
        operations={
            "get": {
                "summary": "Sales reports (CS-12): monthly reconciliations and weekly reports",
                "parameters": PAGE_PARAMETERS
                + [{"in": "query", "name": "kind", "schema": {"type": "string"}}],
                "responses": responses(json_content(page_of("CsSalesReport")), "403", "422"),
            }
        },
    )
    spec.path(
        path="/cs/statistics/reports/{report_id}",
        parameters=path_id("report_id"),
        operations={
            "get": {
                "summary": "One report with its differences",
                "responses": responses(one, "403", "404"),
            }
        },
    )
    spec.path(
        path="/cs/statistics/reports/{report_id}/export",
        parameters=path_id("report_id"),
        operations={
            "get": {
                "summary": "The report's table as Excel (xlsx) or CSV",
                "parameters": [{"in": "query", "name": "format", "schema": {"type": "string"}}],
                "responses": responses(
                    {"description": "the file (xlsx or csv)"}, "403", "404", "422"
                ),
            }
        },
    )
    spec.path(
        path="/cs/statistics/reports/{report_id}/issue",
        parameters=path_id("report_id"),
        operations={
            "post": {
                "summary": "Issue the report now: PDF and Excel stored as its documents",
                "responses": responses(one, "403", "404"),
            }
        },
    )
    spec.path(
        path="/cs/statistics/reconcile",
        operations={
            "post": {
                "summary": "Reconcile a sales month (again): sales, customer service, finance",
                "requestBody": {
                    "content": {"application/json": {"schema": ref("CsReconcileInput")}}
                },
                "responses": responses(one, "403", "422"),
            }
        },
    )
    spec.path(
        path="/cs/statistics/differences/{difference_id}",
        parameters=path_id("difference_id"),
        operations={
            "patch": {
                "summary": "Customer service's explanation of a difference",
                "requestBody": {
                    "content": {"application/json": {"schema": ref("CsDifferenceNote")}}
                },
                "responses": responses(json_content(ref("CsSalesDifference")), "403", "404", "422"),
            }
        },
    )
