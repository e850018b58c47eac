"""Screens of the work log (CS-14): the log with its filters and entry form, the weekly
sign-offs, the escalations and the coordination requests. Rules live in the services."""

from flask import flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import or_, select

from core.admin.views import ErpView, forbidden
from core.duties import today
from core.extensions import db
from core.jobs.runner import now
from core.models import Membership, Role, User
from core.models.auth import membership_role
from core.permissions import DEFAULT_ROLES, PermissionDenied, has_permission
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
    ContactKind,
    CoordinationRequest,
    Escalation,
    LogEntry,
    LogSignOff,
    SignOffStatus,
)
from plugins.customer_service.contacts.schemas import CoordinationSchema, LogEntrySchema
from plugins.customer_service.models import Household
from plugins.sales.models import Customer

CATEGORY = _l("Customer service")
VIEW = "customer_service.view"
TEMPLATES = "customer_service/contacts/"


def form_data() -> dict:
    """The posted form without the token and the empty fields (left to the defaults)."""
    return {k: v for k, v in request.form.items() if k != "csrf_token" and v.strip() != ""}


def flash_errors(exc: ValidationError) -> None:
    db.session.rollback()
    for field, messages in exc.normalized_messages().items():
        text = "; ".join(map(str, messages if isinstance(messages, list) else [messages]))
        flash(f"{field}: {text}", "error")


def perform(action, success: str, target: str = ".index", **values):
    """Run a service call: commit and flash ``success``, or flash why it was refused (a
    missing permission answers 403); then back to ``target``."""
    try:
        action()
    except ValidationError as exc:
        flash_errors(exc)
    except PermissionDenied as exc:
        db.session.rollback()
        forbidden(exc.permission)
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for(target, **values))


def staff() -> list[User]:
    """The company's reps and CS managers, for the filters and forms."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(membership_role, membership_role.c.membership_id == Membership.id)
            .join(Role, Role.id == membership_role.c.role_id)
            .where(
                Membership.company_id == g.erp_company.id,
                Role.code.in_(["cs_rep", "cs_manager"]),
            )
            .distinct()
            .order_by(User.email)
        )
    )


def customers_with_households() -> list[Customer]:
    return list(
        db.session.scalars(
            select(Customer)
            .where(Customer.id.in_(select(Household.customer_id)))
            .order_by(Customer.code)
        )
    )


class WorkLogView(ErpView):
    """The work log, filtered by rep, ISO week and customer; a new entry; deletion requests."""

    permission = VIEW

    @expose("/")
    def index(self):
        args = request.args
        query = services.log_query(include_deleted=bool(args.get("include_deleted")))
        if args.get("rep_id", type=int):
            query = query.where(LogEntry.rep_id == args.get("rep_id", type=int))
        if args.get("week"):
            try:
                services.week_start(args["week"])
            except ValidationError as exc:
                flash_errors(exc)
            else:
                query = query.where(LogEntry.week == args["week"])
        if args.get("customer"):
            text = args["customer"].strip()
            matching = select(Customer.id).where(
                or_(Customer.code == text, Customer.name.contains(text))
            )
            query = query.where(LogEntry.customer_id.in_(matching))
        return self.render(
            TEMPLATES + "log.html",
            entries=db.session.scalars(query.limit(500)).all(),
            staff=staff(),
            customers=customers_with_households(),
            kinds=list(ContactKind),
            may_log=has_permission(LOG),
            today=today(),
        )

    @expose("/new", methods=("POST",))
    def new(self):
        if not has_permission(LOG):
            return forbidden(LOG)
        return perform(
            lambda: services.record_contact(
                g.erp_company, g.erp_user, LogEntrySchema().load(form_data())
            ),
            _("Logged."),
        )

    @expose("/<int:entry_id>/delete", methods=("POST",))
    def delete(self, entry_id):
        if not has_permission(LOG):
            return forbidden(LOG)
        entry = db.session.get(LogEntry, entry_id)
        if entry is None:
            return redirect(url_for(".index"))
        reason = request.form.get("reason")
        return perform(
            lambda: services.request_delete(g.erp_company, entry, reason, g.erp_user),
            _("The deletion waits for the VP's signature."),
        )


class SignOffView(ErpView):
    """The weekly sign-offs: pending ones first, then the latest signed."""

    permission = VIEW

    @expose("/")
    def index(self):
        pending = db.session.scalars(
            select(LogSignOff)
            .where(LogSignOff.status == SignOffStatus.pending)
            .order_by(LogSignOff.week, LogSignOff.rep_id)
        ).all()
        signed = db.session.scalars(
            select(LogSignOff)
            .where(LogSignOff.status == SignOffStatus.signed)
            .order_by(LogSignOff.signed_at.desc())
            .limit(50)
        ).all()
        return self.render(
            TEMPLATES + "signoffs.html",
            pending=pending,
            signed=signed,
            staff=staff(),
            may_sign=has_permission(SIGN),
        )

    @expose("/sign", methods=("POST",))
    def sign(self):
        if not has_permission(SIGN):
            return forbidden(SIGN)
        rep_id = request.form.get("rep_id", type=int) or 0
        week, comment = request.form.get("week", ""), request.form.get("comment", "")
        return perform(
            lambda: services.sign_week(g.erp_company, rep_id, week, g.erp_user, comment),
            _("Signed: week %(week)s.", week=week),
        )


class EscalationView(ErpView):
    """Matters outside the reps' authority: answered within the deadline or passed up."""

    permission = ESCALATIONS

    @expose("/")
    def index(self):
        open_ = db.session.scalars(escalations.open_escalations()).all()
        answered = db.session.scalars(
            select(Escalation)
            .where(Escalation.answered_at.is_not(None))
            .order_by(Escalation.answered_at.desc())
            .limit(50)
        ).all()
        return self.render(
            TEMPLATES + "escalations.html",
            open=open_,
            answered=answered,
            now=now(),
            may_answer=has_permission(ANSWER),
        )

    @expose("/<int:escalation_id>/<action>", methods=("POST",))
    def act(self, escalation_id, action):
        if not has_permission(ANSWER):
            return forbidden(ANSWER)
        escalation = db.session.get(Escalation, escalation_id)
        if escalation is None or action not in ("answer", "escalate"):
            return redirect(url_for(".index"))
        function = escalations.answer if action == "answer" else escalations.escalate
        text = request.form.get("text")
        return perform(lambda: function(g.erp_company, escalation, g.erp_user, text), _("Saved."))


class CoordinationView(ErpView):
    """Requests to other departments: open ones (overdue flagged), a new request, done."""

    permission = COORDINATE

    @expose("/")
    def index(self):
        open_ = db.session.scalars(escalations.open_coordination()).all()
        done = db.session.scalars(
            select(CoordinationRequest)
            .where(CoordinationRequest.done_on.is_not(None))
            .order_by(CoordinationRequest.done_on.desc(), CoordinationRequest.id.desc())
            .limit(50)
        ).all()
        departments = [(code, _(DEFAULT_ROLES[code])) for code in escalations.DEPARTMENTS]
        return self.render(
            TEMPLATES + "coordination.html",
            open=open_,
            done=done,
            today=today(),
            departments=departments,
            department_names=dict(departments),
            customers=customers_with_households(),
            may_request=has_permission(LOG),
        )

    @expose("/new", methods=("POST",))
    def new(self):
        if not has_permission(LOG):
            return forbidden(LOG)
        return perform(
            lambda: escalations.request_coordination(
                g.erp_company, g.erp_user, CoordinationSchema().load(form_data())
            ),
            _("Request sent."),
        )

    @expose("/<int:request_id>/done", methods=("POST",))
    def done(self, request_id):
        found = db.session.get(CoordinationRequest, request_id)
        if found is None:
            return redirect(url_for(".index"))
        result = request.form.get("result", "")
        return perform(
            lambda: escalations.complete_coordination(g.erp_company, found, g.erp_user, result),
            _("Done."),
        )


def views():
    return [
        WorkLogView(name=_l("Work log"), category=CATEGORY, endpoint="cs_work_log"),
        SignOffView(name=_l("Work-log sign-offs"), category=CATEGORY, endpoint="cs_log_signoffs"),
        EscalationView(name=_l("Escalations"), category=CATEGORY, endpoint="cs_escalations"),
        CoordinationView(
            name=_l("Coordination requests"), category=CATEGORY, endpoint="cs_coordination"
        ),
    ]
