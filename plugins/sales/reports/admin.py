"""Report screens: deals and lost customers (SAL-26), the weekly progress table with its
chart (SAL-27), the after-contract task list (SAL-28) and buildings' delivery dates."""

from datetime import date
from decimal import Decimal, InvalidOperation

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.admin import labels
from core.admin.labels import label
from core.admin.views import ErpModelView, forbidden
from core.duties import today
from core.extensions import db
from core.models import Project, User
from core.permissions import has_permission
from plugins.sales.display import SalesView, choices, grade_choices, labels_of, person
from plugins.sales.leads.rotation import sales_reps
from plugins.sales.models.customers import CustomerGrade, SourceChannel
from plugins.sales.reports import PLAN, VIEW, services
from plugins.sales.reports.models import AfterSaleKind, AfterSaleTask, BuildingDelivery

CATEGORY = _l("Sales")
T = "sales/reports/"


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filters() -> services.Filters:
    source = request.args.get("source") or None
    grade = request.args.get("grade") or None
    return services.Filters(
        project_id=request.args.get("project", type=int),
        rep_id=request.args.get("rep", type=int),
        first=_date("first"),
        last=_date("last"),
        source=source if source in set(SourceChannel) else None,
        grade=grade if grade in set(CustomerGrade) else None,
    )


def _shown(rows: list[dict]) -> list[dict]:
    """Report rows as people read them, on the screen and in the exports: labels where the
    API gives codes."""
    shown = []
    for row in rows:
        row = dict(row)
        for key in ("source", "purpose"):
            if row.get(key):
                row[key] = label(row[key])
        if row.get("objections"):
            row["objections"] = labels_of(row["objections"].split(", "))
        shown.append(row)
    return shown


def _projects():
    return db.session.scalars(select(Project).order_by(Project.name)).all()


def _download(data: bytes, fmt: str, name: str) -> Response:
    return Response(
        data,
        mimetype=services.FORMATS[fmt],
        headers={"Content-Disposition": f"attachment; filename={name}.{fmt}"},
    )


class _ListReport(SalesView):
    """A SAL-26 list with its filters, exportable as Excel or CSV."""

    permission = VIEW
    title, report, columns, filename = "", None, (), ""

    @expose("/")
    def index(self):
        filters = _filters()
        reps = sales_reps(g.erp_company)
        return self.render(
            T + "list.html",
            title=self.title,
            columns=self.columns,
            rows=_shown(type(self).report(filters)),
            filters=filters,
            projects=_projects(),
            reps=db.session.scalars(select(User).where(User.id.in_(reps))).all(),
            sources=list(SourceChannel),
            grades=grade_choices(),
            query=request.args.to_dict(),
        )

    @expose("/export/<fmt>")
    def export(self, fmt):
        if fmt not in services.FORMATS:
            abort(404)
        rows = _shown(type(self).report(_filters()))
        data = services.export(self.columns, rows, fmt, self.filename)
        return _download(data, fmt, f"{self.filename}-{today().isoformat()}")


class DealReportView(_ListReport):
    title, report = _l("Deal report"), services.deal_report
    columns, filename = services.DEAL_COLUMNS, "deals"


class LostCustomerView(_ListReport):
    title, report = _l("Lost-customer analysis"), services.lost_customer_report
    columns, filename = services.LOST_COLUMNS, "lost-customers"


class ProgressView(SalesView):
    """The weekly plan against actuals of a site for a quarter (SAL-27)."""

    permission = VIEW

    def _progress(self) -> dict:
        projects = _projects()
        project = db.session.get(Project, request.values.get("project", type=int) or 0)
        if project is None or project.company_id != g.erp_company.id:
            project = projects[0] if projects else None
        if project is None:
            abort(404)
        year, quarter = services.quarter_of(today())
        year = request.values.get("year", type=int) or year
        quarter = request.values.get("quarter", type=int) or quarter
        if not 1 <= quarter <= 4:
            abort(404)
        return services.progress(project, year, quarter) | {"projects": projects}

    @expose("/")
    def index(self):
        report = self._progress()
        peak = max([max(r["plan_value"], r["value"]) for r in report["rows"]] + [Decimal(1)])
        return self.render(
            T + "progress.html", report=report, peak=peak, may_plan=has_permission(PLAN)
        )

    @expose("/plan", methods=("POST",))
    def plan(self):
        if not has_permission(PLAN):
            return forbidden(PLAN)
        report = self._progress()
        try:
            for row in report["rows"]:
                key = row["week_start"].isoformat()
                units = int(request.form.get(f"units-{key}") or 0)
                value = Decimal(request.form.get(f"value-{key}") or 0)
                if units < 0 or value < 0:
                    raise ValueError(key)
                services.save_plan(
                    g.erp_company, report["project"], row["week_start"], units, value
                )
        except (ValueError, InvalidOperation):
            db.session.rollback()
            flash(_("Plan figures are whole units and amounts of zero or more."), "error")
        else:
            db.session.commit()
            flash(_("Weekly plan saved."), "success")
        args = {
            "project": report["project"].id,
            "year": report["year"],
            "quarter": report["quarter"],
        }
        return redirect(url_for(".index", **args))

    @expose("/export/<fmt>")
    def export(self, fmt):
        if fmt not in services.FORMATS:
            abort(404)
        report = self._progress()
        data = services.export(services.PROGRESS_COLUMNS, report["rows"], fmt, "progress")
        return _download(data, fmt, f"progress-{report['year']}-Q{report['quarter']}")


class AfterSaleTaskView(ErpModelView):
    """The reps' after-contract tasks (SAL-28), written by the daily duty; a rep marks one
    done by giving its date."""

    permission = VIEW
    edit_permission = VIEW
    can_create = can_delete = False
    column_list = ("due_on", "kind", "customer", "rep", "period_key", "done_on")
    column_filters = (
        "rep.name", "kind", "due_on", "done_on", "customer.code", "customer.name",
        "customer.grade",
    )  # fmt: skip
    column_default_sort = [("done_on", False), ("due_on", False)]
    form_columns = ("done_on",)
    column_choices = {"kind": choices(AfterSaleKind)}
    column_formatters = {"rep": lambda v, c, m, n: person(m.rep)}
    column_labels = {
        "due_on": _l("Due"),
        "kind": _l("Task"),
        "customer": _l("Customer"),
        "customer.code": _l("Customer code"),
        "customer.name": _l("Customer"),
        "customer.grade": _l("Grade"),
        "rep": _l("Rep"),
        "rep.name": _l("Rep"),
        "period_key": _l("Period"),
        "done_on": _l("Done on"),
    }


labels.register(
    {
        AfterSaleKind.monthly_contact: _l("Monthly contact"),
        AfterSaleKind.holiday_greeting: _l("Holiday greeting"),
        AfterSaleKind.progress_check: _l("Progress check: payment, mortgage, changes"),
        AfterSaleKind.condition_report: _l("Condition report before delivery"),
    }
)


class DeliveryView(ErpModelView):
    permission, edit_permission = VIEW, PLAN
    column_list = ("building", "delivery_on")
    form_columns = ("building", "delivery_on")
    column_labels = {"building": _l("Building"), "delivery_on": _l("Delivery date")}


def views() -> list:
    return [
        DealReportView(name=_l("Deal report"), category=CATEGORY, endpoint="sales_deals"),
        LostCustomerView(
            name=_l("Lost-customer analysis"), category=CATEGORY, endpoint="sales_lost"
        ),
        ProgressView(name=_l("Weekly progress"), category=CATEGORY, endpoint="sales_progress"),
        AfterSaleTaskView(
            AfterSaleTask,
            name=_l("After-contract tasks"),
            category=CATEGORY,
            endpoint="sales_after_sale",
        ),
        DeliveryView(
            BuildingDelivery,
            name=_l("Delivery dates"),
            category=CATEGORY,
            endpoint="sales_delivery",
        ),
    ]
