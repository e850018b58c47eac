"""Complaint screens (CS-13): the list with its filters (the overdue lists among them), the
recording form, one complaint with its steps, and the monthly statistics."""

from datetime import date

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from core import approvals
from core.admin.views import ErpView, forbidden
from core.duties import today
from core.extensions import db
from core.models import Project
from core.permissions import has_permission
from plugins.customer_service.complaints import HANDLE, LEGAL, VIEW, replies, services, stats
from plugins.customer_service.complaints.models import (
    Channel,
    Complaint,
    ComplaintStatus,
    DisputeReason,
    Satisfaction,
)
from plugins.customer_service.complaints.schemas import ComplaintQuery
from plugins.customer_service.models import Household

CATEGORY = _l("Customer service")
T = "customer_service/complaints/"


def _form() -> dict:
    """The posted form without the token and blank fields (the schemas' defaults apply)."""
    data = {k: v for k, v in request.form.items() if k != "csrf_token" and v.strip() != ""}
    for flag in ("written_reply", "reached"):
        if flag in data:
            data[flag] = data[flag] == "1"
    return data


def _flash(exc: ValidationError) -> None:
    for field, messages in exc.normalized_messages().items():
        flash(f"{field}: {'; '.join(map(str, messages))}", "error")


class ComplaintsView(ErpView):
    permission = VIEW

    def _complaint(self, complaint_id: int) -> Complaint:
        complaint = db.session.get(Complaint, complaint_id)
        if complaint is None or complaint.company_id != g.erp_company.id:
            abort(404)
        return complaint

    @expose("/")
    def index(self):
        args = {k: v for k, v in request.args.items() if v}
        try:
            filters = ComplaintQuery().load(args)
        except ValidationError as exc:
            _flash(exc)
            filters = ComplaintQuery().load({})
        complaints = db.session.scalars(services.complaints_query(filters).limit(500)).all()
        settings = services.settings_of(g.erp_company)
        return self.render(
            T + "list.html",
            complaints=complaints,
            filters=filters,
            args=args,
            statuses=["tracked", *ComplaintStatus],
            channels=list(Channel),
            categories=settings["complaint_categories"],
            projects=db.session.scalars(select(Project).order_by(Project.name)).all(),
            overdue_ids=self._overdue_ids([c.id for c in complaints]),
            may_handle=has_permission(HANDLE),
            local=services.local_time,
        )

    @staticmethod
    def _overdue_ids(ids: list[int]) -> set[int]:
        """Which of ``ids`` are on any overdue list."""
        query = select(Complaint.id).where(Complaint.id.in_(ids), services.overdue_clause("any"))
        return set(db.session.scalars(query)) if ids else set()

    @expose("/new", methods=("GET", "POST"))
    def new(self):
        if not has_permission(HANDLE):
            return forbidden(HANDLE)
        errors, status = {}, 200
        if request.method == "POST":
            try:
                complaint = services.record(g.erp_company, g.erp_user, _form())
            except ValidationError as exc:
                db.session.rollback()
                errors, status = exc.normalized_messages(), 400
            else:
                db.session.commit()
                flash(_("Complaint #%(id)d recorded.", id=complaint.id), "success")
                return redirect(url_for(".complaint", complaint_id=complaint.id))
        settings = services.settings_of(g.erp_company)
        households = db.session.scalars(select(Household).order_by(Household.id).limit(2000))
        return self.render(
            T + "form.html",
            households=households,
            channels=list(Channel),
            categories=settings["complaint_categories"],
            sections=sorted({s for v in settings["complaint_sections"].values() for s in v}),
            form=request.form,
            errors=errors,
        ), status

    @expose("/<int:complaint_id>")
    def complaint(self, complaint_id):
        complaint = self._complaint(complaint_id)
        return self.render(
            T + "complaint.html",
            c=complaint,
            requests=approvals.history(services.OWNER, complaint.id),
            satisfactions=list(Satisfaction),
            reasons=list(DisputeReason),
            may_handle=has_permission(HANDLE),
            may_legal=has_permission(LEGAL),
            overdue=bool(self._overdue_ids([complaint.id])),
            today=today(),
            local=services.local_time,
        )

    def _act(self, complaint_id: int, permission: str, action, done: str):
        """Run ``action(complaint, user, form data)`` as one unit of work."""
        if not has_permission(permission):
            return forbidden(permission)
        complaint = self._complaint(complaint_id)
        try:
            action(complaint, g.erp_user, _form())
        except ValidationError as exc:
            db.session.rollback()
            _flash(exc)
        except services.ComplaintRefused as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(done, "success")
        return redirect(url_for(".complaint", complaint_id=complaint_id))

    @expose("/<int:complaint_id>/answer", methods=("POST",))
    def answer(self, complaint_id):
        return self._act(complaint_id, HANDLE, services.answer, _("Answer recorded."))

    @expose("/<int:complaint_id>/reply", methods=("POST",))
    def reply(self, complaint_id):
        done = _("Written reply sent for the VP's approval.")
        return self._act(complaint_id, HANDLE, replies.submit_reply, done)

    @expose("/<int:complaint_id>/resolve", methods=("POST",))
    def resolve(self, complaint_id):
        return self._act(complaint_id, HANDLE, services.resolve, _("Complaint resolved."))

    @expose("/<int:complaint_id>/follow-up", methods=("POST",))
    def follow_up(self, complaint_id):
        done = _("Follow-up call recorded.")
        return self._act(complaint_id, HANDLE, services.record_follow_up, done)

    @expose("/<int:complaint_id>/dispute", methods=("POST",))
    def dispute(self, complaint_id):
        done = _("Recorded as a legal dispute.")
        return self._act(complaint_id, LEGAL, services.open_dispute, done)

    @expose("/<int:complaint_id>/dispute/close", methods=("POST",))
    def close_dispute(self, complaint_id):
        return self._act(complaint_id, LEGAL, services.close_dispute, _("Legal dispute closed."))


class ComplaintStatsView(ErpView):
    """Complaints of a month by category, by construction section, and the complaint rate."""

    permission = VIEW

    @expose("/")
    def index(self):
        try:
            first = date.fromisoformat(request.args.get("month", "") + "-01")
        except ValueError:
            first = today().replace(day=1)
        return self.render(T + "stats.html", s=stats.monthly(first.year, first.month))


def views() -> list:
    return [
        ComplaintsView(name=_l("Complaints"), category=CATEGORY, endpoint="cs_complaints"),
        ComplaintStatsView(
            name=_l("Complaint statistics"), category=CATEGORY, endpoint="cs_complaint_stats"
        ),
    ]
