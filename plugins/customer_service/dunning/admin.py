"""Dunning screens: the cases (CS-10) with the VP's hold, the meeting's cases, the reps' tasks
with the investigation's outcome form, and the weekly lists with their sign-off (CS-11)."""

import csv
import io

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from core.admin.views import ErpView, forbidden
from core.duties import today
from core.extensions import db
from core.permissions import PermissionDenied, has_permission
from plugins.customer_service.dunning import cases
from plugins.customer_service.dunning.models import (
    Cause,
    DunningHold,
    DunningList,
    DunningTask,
    TaskKind,
)
from plugins.customer_service.models import Contract

CATEGORY = _l("Customer service")
T = "customer_service/dunning/"
VIEW = "customer_service.dunning.view"


def _flash(exc: ValidationError) -> None:
    for field, messages in exc.normalized_messages().items():
        flash(f"{field}: {'; '.join(map(str, messages))}", "error")


def _own(model, ident: int):
    row = db.session.get(model, ident)
    if row is None or row.company_id != g.erp_company.id:
        abort(404)
    return row


def _act(action, success: str):
    """Run a service action from a form: flash its refusal or its success."""
    try:
        action()
    except ValidationError as exc:
        db.session.rollback()
        _flash(exc)
    except PermissionDenied as exc:
        db.session.rollback()
        forbidden(exc.permission)
    else:
        flash(success, "success")


class CasesView(ErpView):
    """Every instalment under dunning: step, next step and its day, the day termination is
    allowed from, and the VP's hold (with the hold and release forms for the VP)."""

    permission = VIEW
    meeting_only = False
    title = _l("Dunning cases")

    @expose("/")
    def index(self):
        rows = db.session.scalars(cases.cases_query(self.meeting_only).limit(500)).all()
        return self.render(
            T + "cases.html",
            title=self.title,
            cases=cases.describe(g.erp_company, rows, today()),
            may_hold=has_permission(cases.HOLD),
        )

    @expose("/hold/<int:contract_id>", methods=("POST",))
    def hold(self, contract_id):
        contract = _own(Contract, contract_id)
        reason = request.form.get("reason", "")
        _act(
            lambda: cases.hold(g.erp_company, g.erp_user, contract, reason),
            _("Contract %(c)s put on hold.", c=contract.number),
        )
        return redirect(url_for(".index"))

    @expose("/release/<int:hold_id>", methods=("POST",))
    def release(self, hold_id):
        record = _own(DunningHold, hold_id)
        note = request.form.get("note", "")
        _act(
            lambda: cases.release_hold(g.erp_company, g.erp_user, record, note),
            _("Hold released: the ladder resumes with the next scan."),
        )
        return redirect(url_for(".index"))


class MeetingView(CasesView):
    """The weekly dunning meeting's cases: from the demand letter on (CS-10, CS-11)."""

    meeting_only = True
    title = _l("Dunning meeting")


class TasksView(ErpView):
    """The reps' dunning tasks: their own by default, everyone's on request; the outcome
    form for investigations and the resolution of company causes."""

    permission = VIEW

    @expose("/")
    def index(self):
        everyone = request.args.get("all") == "1"
        done = request.args.get("done") == "1"
        to_resolve = request.args.get("resolve") == "1"
        query = cases.tasks_query(
            None if everyone or to_resolve else g.erp_user,
            open_only=not done and not to_resolve,
            to_resolve=to_resolve,
        )
        return self.render(
            T + "tasks.html",
            tasks=db.session.scalars(query.limit(500)).all(),
            everyone=everyone,
            done=done,
            to_resolve=to_resolve,
            causes=list(Cause),
            investigation=TaskKind.investigation,
            may_work=has_permission(cases.WORK),
            may_resolve=has_permission(cases.RESOLVE),
        )

    def _back(self):
        return redirect(request.referrer or url_for(".index"))

    @expose("/<int:task_id>/done", methods=("POST",))
    def done(self, task_id):
        task = _own(DunningTask, task_id)
        note = request.form.get("note", "")
        _act(
            lambda: cases.complete_task(g.erp_company, g.erp_user, task, note, today()),
            _("Task done."),
        )
        return self._back()

    @expose("/<int:task_id>/outcome", methods=("POST",))
    def outcome(self, task_id):
        task = _own(DunningTask, task_id)
        cause = request.form.get("cause", "")
        if cause not in set(Cause):
            flash(_("Choose the cause."), "error")
            return self._back()
        note = request.form.get("note", "")
        _act(
            lambda: cases.record_outcome(g.erp_company, g.erp_user, task, cause, note, today()),
            _("Outcome recorded."),
        )
        return self._back()

    @expose("/<int:task_id>/resolve", methods=("POST",))
    def resolve(self, task_id):
        task = _own(DunningTask, task_id)
        text = request.form.get("resolution", "")
        _act(
            lambda: cases.resolve(g.erp_company, g.erp_user, task, text, today()),
            _("Marked resolved."),
        )
        return self._back()


LIST_COLUMNS = (
    ("contract_number", _l("Contract")),
    ("customer_name", _l("Customer")),
    ("unit_label", _l("Unit")),
    ("rep_name", _l("CS rep")),
    ("what", _l("Instalment")),
    ("due_on", _l("Due")),
    ("outstanding", _l("Outstanding")),
    ("days_overdue", _l("Days overdue")),
    ("step_label", _l("Dunning step")),
)


class ListsView(ErpView):
    """The weekly dunning lists (CS-11) with their sign-off, for reps, the sales manager and
    the VP; each list as it was produced, and as CSV."""

    permission = VIEW

    @expose("/")
    def index(self):
        lists = db.session.scalars(
            select(DunningList).order_by(DunningList.list_date.desc()).limit(100)
        ).all()
        return self.render(T + "lists.html", lists=lists)

    @expose("/<int:list_id>")
    def detail(self, list_id):
        return self.render(
            T + "list.html", dunning_list=_own(DunningList, list_id), columns=LIST_COLUMNS
        )

    @expose("/<int:list_id>/csv")
    def csv(self, list_id):
        dunning_list = _own(DunningList, list_id)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([str(label) for _name, label in LIST_COLUMNS])
        for row in dunning_list.rows:
            writer.writerow([getattr(row, name) for name, _label in LIST_COLUMNS])
        return Response(
            "\ufeff" + out.getvalue(),  # the BOM lets Excel read the Chinese names
            mimetype="text/csv",
            headers={
                "Content-Disposition": f"attachment; filename=dunning-{dunning_list.week}.csv"
            },
        )


def views():
    return [
        CasesView(name=_l("Dunning cases"), category=CATEGORY, endpoint="cs_dunning_cases"),
        MeetingView(name=_l("Dunning meeting"), category=CATEGORY, endpoint="cs_dunning_meeting"),
        TasksView(name=_l("Dunning tasks"), category=CATEGORY, endpoint="cs_dunning_tasks"),
        ListsView(name=_l("Weekly dunning lists"), category=CATEGORY, endpoint="cs_dunning_lists"),
    ]
