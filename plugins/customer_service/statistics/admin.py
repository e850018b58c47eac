"""Screens of CS-12: the sales reports (monthly reconciliations and weekly reports), one report
with its figures, differences (with CS's explanations), exports and issued documents."""

from datetime import date
from io import BytesIO

from flask import Response, abort, flash, g, redirect, request, send_file, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.admin.views import ErpView, forbidden
from core.documents import read_content
from core.duties import today
from core.extensions import db
from core.models.documents import Document
from core.permissions import has_permission
from plugins.customer_service.statistics import MANAGE, VIEW, reconcile, reports
from plugins.customer_service.statistics.models import Difference, ReportKind, SalesReport
from plugins.sales.reports.services import FORMATS, export

CATEGORY = _l("Customer service")
T = "customer_service/statistics/"


class SalesReportsView(ErpView):
    permission = VIEW

    def _report(self, report_id: int) -> SalesReport:
        report = db.session.get(SalesReport, report_id)
        if report is None or report.company_id != g.erp_company.id:
            abort(404)
        return report

    @expose("/")
    def index(self):
        kind = request.args.get("kind")
        query = select(SalesReport).order_by(SalesReport.last.desc(), SalesReport.id.desc())
        if kind in set(ReportKind):
            query = query.where(SalesReport.kind == kind)
        return self.render(
            T + "list.html",
            reports=db.session.scalars(query.limit(200)).all(),
            kind=kind,
            kinds=list(ReportKind),
            may_manage=has_permission(MANAGE),
            this_month=today().strftime("%Y-%m"),
        )

    @expose("/<int:report_id>")
    def report(self, report_id):
        report = self._report(report_id)
        columns, rows = reports.table(report)
        return self.render(
            T + "report.html",
            report=report,
            columns=columns,
            rows=rows,
            formats=list(FORMATS),
            may_manage=has_permission(MANAGE),
        )

    @expose("/<int:report_id>/export/<fmt>")
    def export(self, report_id, fmt):
        if fmt not in FORMATS:
            abort(404)
        report = self._report(report_id)
        columns, rows = reports.table(report)
        name = f"sales-{report.kind}-{report.period_key}"
        return Response(
            export(columns, rows, fmt, name),
            mimetype=FORMATS[fmt],
            headers={"Content-Disposition": f"attachment; filename={name}.{fmt}"},
        )

    @expose("/<int:report_id>/document/<kind>")
    def document(self, report_id, kind):
        report = self._report(report_id)
        document_id = {"pdf": report.pdf_document_id, "xlsx": report.xlsx_document_id}.get(kind)
        document = db.session.get(Document, document_id) if document_id else None
        if document is None:
            abort(404)
        return send_file(
            BytesIO(read_content(document)),
            mimetype=document.content_type,
            as_attachment=kind != "pdf",
            download_name=document.name,
        )

    @expose("/reconcile", methods=("POST",))
    def reconcile_month(self):
        if not has_permission(MANAGE):
            return forbidden(MANAGE)
        try:
            month = date.fromisoformat(request.form.get("month", "") + "-01")
        except ValueError:
            flash(_("Give the month as YYYY-MM."), "error")
            return redirect(url_for(".index"))
        cutoff = reconcile.cutoff_of(g.erp_company, month.year, month.month)
        report = reconcile.reconcile(g.erp_company, cutoff)
        db.session.commit()
        flash(_("Sales month %(m)s reconciled.", m=report.period_key), "success")
        return redirect(url_for(".report", report_id=report.id))

    @expose("/<int:report_id>/issue", methods=("POST",))
    def issue(self, report_id):
        if not has_permission(MANAGE):
            return forbidden(MANAGE)
        report = self._report(report_id)
        reports.issue(g.erp_company, report, today(), g.erp_user)
        db.session.commit()
        flash(_("Report issued."), "success")
        return redirect(url_for(".report", report_id=report_id))

    @expose("/difference/<int:difference_id>/note", methods=("POST",))
    def note(self, difference_id):
        if not has_permission(MANAGE):
            return forbidden(MANAGE)
        difference = db.session.get(Difference, difference_id)
        if difference is None or difference.company_id != g.erp_company.id:
            abort(404)
        reconcile.annotate(difference, request.form.get("note", ""))
        db.session.commit()
        return redirect(url_for(".report", report_id=difference.report_id))


def views() -> list:
    return [
        SalesReportsView(name=_l("Sales reports"), category=CATEGORY, endpoint="cs_sales_reports")
    ]
