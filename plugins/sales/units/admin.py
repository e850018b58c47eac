"""Sales-control screens: buildings, units, the board, a unit's page, the price-list import,
permit release, the log, the weekly reconciliation and price adjustment plans."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask import Response, abort, current_app, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from marshmallow import ValidationError
from sqlalchemy import select

from core.admin.views import ErpModelView, forbidden
from core.duties import today
from core.extensions import db
from core.models import Project
from core.permissions import has_permission
from plugins.sales.display import SalesView, choices
from plugins.sales.models.units import TRANSITIONS, Building, Unit, UnitState, UnitStateChange
from plugins.sales.units import board, importer, pricing, services
from plugins.sales.units.duties import weekday_of
from plugins.sales.units.models import PriceAdjustmentPlan

VIEW, EDIT, CONTROL, PLAN = (
    "sales.view",
    "sales.units.edit",
    "sales.units.control",
    "sales.prices.plan",
)
CATEGORY = _l("Sales")
T = "sales/units/"


def _int(name: str) -> int | None:
    return request.args.get(name, type=int)


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _require(permission: str) -> None:
    if not has_permission(permission):
        forbidden(permission)


def _projects():
    return db.session.scalars(select(Project).order_by(Project.name)).all()


def _buildings(project_id: int | None):
    query = select(Building).order_by(Building.name)
    if project_id:
        query = query.where(Building.project_id == project_id)
    return db.session.scalars(query).all()


class BuildingView(ErpModelView):
    permission, edit_permission = VIEW, EDIT
    column_list = ("project", "name", "presale_permit")
    column_filters = ("project.name", "name", "presale_permit")
    form_columns = ("project", "name", "presale_permit")
    column_labels = {
        "project": _l("Project"),
        "project.name": _l("Project"),
        "name": _l("Building"),
        "presale_permit": _l("Pre-sale permit"),
    }


class UnitView(ErpModelView):
    """Units are created by the price-list import and change state and price only through
    their services (SAL-12, SAL-29), never by editing a form."""

    permission = VIEW
    can_create = can_edit = can_delete = False
    simple_list_pager = True
    column_list = (
        "building", "entrance", "floor", "room", "layout", "orientation",
        "built_area", "usable_area", "list_unit_price", "list_total", "state",
    )  # fmt: skip
    column_filters = (
        "building.project.name", "building.name", "state", "floor", "entrance", "room",
        "layout", "orientation", "built_area", "list_total",
    )  # fmt: skip
    column_choices = {"state": choices(UnitState)}
    column_default_sort = [("building_id", False), ("floor", True), ("room", False)]
    column_formatters = {
        "room": lambda v, c, m, n: _link(m.id, m.room),
    }
    column_labels = {
        "building": _l("Building"),
        "building.name": _l("Building"),
        "building.project.name": _l("Project"),
        "entrance": _l("Entrance"),
        "floor": _l("Floor"),
        "room": _l("Room"),
        "layout": _l("Layout"),
        "orientation": _l("Orientation"),
        "built_area": _l("Built-up area"),
        "usable_area": _l("Usable area"),
        "list_unit_price": _l("Unit price"),
        "list_total": _l("List total"),
        "state": _l("State"),
    }


def _link(unit_id: int, text):
    return Markup(f'<a href="{board.board_cell_link(unit_id)}">{escape(text)}</a>')


class BoardView(SalesView):
    """The board per building, and each unit's page."""

    permission = VIEW

    @expose("/")
    def index(self):
        project_id = _int("project")
        buildings = _buildings(project_id)
        building_id = _int("building") or (buildings[0].id if buildings else None)
        building = db.session.get(Building, building_id) if building_id else None
        if building_id and (building is None or building.company_id != g.erp_company.id):
            abort(404)
        return self.render(
            T + "board.html",
            projects=_projects(),
            buildings=buildings,
            project_id=project_id,
            building=building,
            grid=board.grid(building) if building else None,
            legend=board.LEGEND,
            link=board.board_cell_link,
        )

    def _unit(self, unit_id: int) -> Unit:
        unit = db.session.get(Unit, unit_id)
        if unit is None or unit.company_id != g.erp_company.id:
            abort(404)
        return unit

    @expose("/unit/<int:unit_id>")
    def unit(self, unit_id):
        unit = self._unit(unit_id)
        log = db.session.scalars(
            select(UnitStateChange)
            .where(UnitStateChange.unit_id == unit.id)
            .order_by(UnitStateChange.at.desc(), UnitStateChange.id.desc())
        ).all()
        manual = sorted(t for t in TRANSITIONS[unit.state] if t not in services.SOLD)
        orders = "sales_orders.index_view" in current_app.view_functions
        return self.render(
            T + "unit.html",
            unit=unit,
            log=log,
            prices=pricing.price_history(unit),
            manual=manual if has_permission(CONTROL) else [],
            orders_url=url_for("sales_orders.index_view", flt_unit=unit.label) if orders else None,
            legend=board.LEGEND,
        )

    @expose("/unit/<int:unit_id>/state", methods=("POST",))
    def state(self, unit_id):
        _require(CONTROL)
        unit = self._unit(unit_id)
        try:
            services.change_state(
                unit, request.form.get("to", ""), g.erp_user, request.form.get("reason", "")
            )
        except (services.IllegalTransition, ValueError) as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("%(u)s is now %(s)s.", u=unit.label, s=unit.state), "success")
        return redirect(url_for(".unit", unit_id=unit_id))


class ImportView(SalesView):
    permission = EDIT

    @expose("/", methods=("GET", "POST"))
    def index(self):
        errors, status = [], 200
        if request.method == "POST":
            project = db.session.get(Project, request.form.get("project", type=int) or 0)
            upload = request.files.get("file")
            if project is None or project.company_id != g.erp_company.id or not upload:
                errors = [importer.RowError(0, "file", _("Choose a project and a file."))]
            else:
                try:
                    n = importer.import_units(
                        project, upload.filename or "", upload.read(), g.erp_user
                    )
                except importer.ImportRefused as exc:
                    db.session.rollback()
                    errors = exc.errors
                else:
                    db.session.commit()
                    flash(_("Imported %(n)d units into %(p)s.", n=n, p=project.name), "success")
                    return redirect(url_for("sales_units.index_view"))
            status = 400
        return self.render(
            T + "import.html", projects=_projects(), errors=errors, columns=importer.COLUMNS
        ), status


class PermitView(SalesView):
    """Pre-sale permits per project; releasing one puts all its units on sale at once."""

    permission = VIEW

    @expose("/")
    def index(self):
        rows = [p for project in _projects() for p in services.permits(project)]
        return self.render(T + "permits.html", permits=rows, may_release=has_permission(CONTROL))

    @expose("/release", methods=("POST",))
    def release(self):
        _require(CONTROL)
        project = db.session.get(Project, request.form.get("project", type=int) or 0)
        if project is None or project.company_id != g.erp_company.id:
            abort(404)
        permit = request.form.get("permit", "")
        try:
            n = services.release_permit(project, permit, g.erp_user)
        except services.ReleaseRefused as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Released %(n)d units under permit %(p)s.", n=n, p=permit), "success")
        return redirect(url_for(".index"))


def _log_filters() -> dict:
    state = request.args.get("state") or None
    return {
        "project_id": _int("project"),
        "building_id": _int("building"),
        "state": state if state in UnitState.__members__ else None,
        "first": _date("first"),
        "last": _date("last"),
    }


class LogView(SalesView):
    """The sales-control log (SAL-14) with filters by project, building, state and date."""

    permission = VIEW

    @expose("/")
    def index(self):
        filters = _log_filters()
        rows = db.session.execute(services.log_query(**filters).limit(500)).all()
        return self.render(
            T + "log.html",
            rows=rows,
            filters=filters,
            projects=_projects(),
            buildings=_buildings(filters["project_id"]),
            states=list(UnitState),
        )


def _week_end() -> date:
    """The requested week's last day, default the most recent reconciliation day."""
    chosen = _date("week_end")
    if chosen:
        return chosen
    day = today()
    return day - timedelta(days=(day.weekday() - weekday_of(g.erp_company)) % 7)


class ReconciliationView(SalesView):
    """The weekly reconciliation report (SAL-14) as a screen and a CSV file."""

    permission = VIEW

    @expose("/")
    def index(self):
        report = services.reconciliation(g.erp_company, _week_end())
        return self.render(T + "reconciliation.html", report=report)

    @expose("/csv")
    def csv(self):
        report = services.reconciliation(g.erp_company, _week_end())
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["project", "at", "unit", "from", "to", "user", "reason"])
        for project in report["projects"]:
            for row in project["rows"]:
                writer.writerow([project["project"], *row.values()])
        name = f"reconciliation-{report['to']}.csv"
        return Response(
            "\ufeff" + out.getvalue(),  # the BOM lets Excel read the Chinese text
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename={name}"},
        )


class PricePlanView(SalesView):
    """Price adjustment plans: the list, and a new plan repricing a building by a percentage."""

    permission = VIEW

    @expose("/")
    def index(self):
        plans = db.session.scalars(
            select(PriceAdjustmentPlan).order_by(PriceAdjustmentPlan.id.desc()).limit(200)
        ).all()
        return self.render(
            T + "plans.html",
            plans=plans,
            buildings=_buildings(None) if has_permission(PLAN) else [],
        )

    @expose("/new", methods=("POST",))
    def new(self):
        _require(PLAN)
        building = db.session.get(Building, request.form.get("building", type=int) or 0)
        if building is None or building.company_id != g.erp_company.id:
            abort(404)
        try:
            percent = Decimal(request.form.get("percent", ""))
            prices = pricing.building_plan_prices(building, percent)
            plan = pricing.submit_plan(
                g.erp_company, building.project, prices, g.erp_user, request.form.get("reason", "")
            )
        except (InvalidOperation, ValidationError) as exc:
            db.session.rollback()
            messages = exc.messages.get("units", []) if isinstance(exc, ValidationError) else []
            flash(" ".join(messages) or _("Give a percentage, e.g. -2.5."), "error")
        else:
            flash(_("Plan #%(id)d submitted for approval.", id=plan.id), "success")
        return redirect(url_for(".index"))


def views() -> list:
    return [
        BoardView(name=_l("Sales-control board"), category=CATEGORY, endpoint="sales_board"),
        UnitView(Unit, name=_l("Units"), category=CATEGORY, endpoint="sales_units"),
        BuildingView(Building, name=_l("Buildings"), category=CATEGORY, endpoint="sales_buildings"),
        ImportView(name=_l("Import price list"), category=CATEGORY, endpoint="sales_units_import"),
        PermitView(name=_l("Pre-sale permits"), category=CATEGORY, endpoint="sales_permits"),
        PricePlanView(name=_l("Price plans"), category=CATEGORY, endpoint="sales_price_plans"),
        LogView(name=_l("Sales-control log"), category=CATEGORY, endpoint="sales_unit_log"),
        ReconciliationView(
            name=_l("Weekly reconciliation"), category=CATEGORY, endpoint="sales_reconciliation"
        ),
    ]
