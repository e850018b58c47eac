"""Screens of the visits (CS-15): the rounds and the calls due, planning a round, a round with
its visits (the call before, the record with its issues and an optional scan)."""

from datetime import date

from flask import flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from core.admin.views import ErpView, forbidden
from core.duties import today
from core.extensions import db
from core.permissions import DEFAULT_ROLES, has_permission
from plugins.customer_service.contacts import LOG, escalations, visits
from plugins.customer_service.contacts.admin import (
    CATEGORY,
    TEMPLATES,
    VIEW,
    flash_errors,
    perform,
    staff,
)
from plugins.customer_service.contacts.models import Visit, VisitRound
from plugins.customer_service.contacts.schemas import VisitRecordSchema

ISSUE_ROWS = 3  # issue lines on the record form


def _issues() -> list[dict]:
    """The issue lines of the record form that have a subject."""
    issues = []
    for i in range(ISSUE_ROWS):
        subject = request.form.get(f"issue_{i}_subject", "").strip()
        if subject:
            issue = {"subject": subject}
            for name in ("department", "due_on"):
                value = request.form.get(f"issue_{i}_{name}", "").strip()
                if value:
                    issue[name] = value
            issues.append(issue)
    return issues


class VisitRoundsView(ErpView):
    permission = VIEW

    @expose("/")
    def index(self):
        query = select(VisitRound).order_by(VisitRound.planned_on.desc(), VisitRound.id)
        rep_id = request.args.get("rep_id", type=int)
        if rep_id:
            query = query.where(VisitRound.rep_id == rep_id)
        if request.args.get("status"):
            query = query.where(VisitRound.status == request.args["status"])
        mine = g.erp_user.id if not has_permission("customer_service.manage") else None
        return self.render(
            TEMPLATES + "rounds.html",
            rounds=db.session.scalars(query.limit(200)).all(),
            calls=db.session.scalars(visits.calls_due(rep_id=mine)).all(),
            due=visits.due_households(g.erp_company, today()),
            staff=staff(),
            may_plan=has_permission(LOG),
            today=today(),
        )

    @expose("/plan", methods=("POST",))
    def plan(self):
        if not has_permission(LOG):
            return forbidden(LOG)
        rep_id = request.form.get("rep_id", type=int) or 0
        ids = [int(i) for i in request.form.getlist("household_ids") if i.isdigit()]
        try:
            planned_on = date.fromisoformat(request.form.get("planned_on", ""))
        except ValueError:
            flash(_("Choose the day of the round."), "error")
            return redirect(url_for(".index"))
        return perform(
            lambda: visits.plan_round(g.erp_company, rep_id, planned_on, ids),
            _("Round planned."),
        )

    @expose("/<int:round_id>")
    def round(self, round_id):
        found = db.session.get(VisitRound, round_id)
        if found is None:
            return redirect(url_for(".index"))
        departments = [(c, _(DEFAULT_ROLES[c])) for c in escalations.DEPARTMENTS]
        return self.render(
            TEMPLATES + "round.html",
            round=found,
            departments=departments,
            issue_rows=range(ISSUE_ROWS),
            may_file=has_permission(LOG),
            today=today(),
        )

    def _visit(self, visit_id) -> Visit | None:
        if not has_permission(LOG):
            forbidden(LOG)
        return db.session.get(Visit, visit_id)

    @expose("/visit/<int:visit_id>/call", methods=("POST",))
    def call(self, visit_id):
        visit = self._visit(visit_id)
        if visit is None:
            return redirect(url_for(".index"))
        note = request.form.get("note", "")
        return perform(
            lambda: visits.record_call(g.erp_company, visit, g.erp_user, note),
            _("Call logged."),
            ".round",
            round_id=visit.round_id,
        )

    @expose("/visit/<int:visit_id>/record", methods=("POST",))
    def record(self, visit_id):
        visit = self._visit(visit_id)
        if visit is None:
            return redirect(url_for(".index"))
        fields = {k: v for k, v in request.form.items() if k in ("visited_on", "record") and v}
        try:
            data = VisitRecordSchema().load(
                {**fields, "visited": request.form.get("visited") != "no", "issues": _issues()}
            )
        except ValidationError as exc:
            flash_errors(exc)
            return redirect(url_for(".round", round_id=visit.round_id))
        upload = request.files.get("document")
        if upload and upload.filename:
            data["document"] = (upload.filename, upload.read())
        return perform(
            lambda: visits.file_visit(g.erp_company, visit, g.erp_user, data),
            _("Visit record filed."),
            ".round",
            round_id=visit.round_id,
        )


def views():
    return [VisitRoundsView(name=_l("Visit rounds"), category=CATEGORY, endpoint="cs_visit_rounds")]
