"""Admin screens of the leads area: the reception register and the follow-up lists ("My
follow-ups" and the site view); the list screens are in :mod:`.lists`. Rules live in
services."""

from datetime import date

from flask import flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from core.admin.views import forbidden
from core.extensions import db
from core.models import Project, User
from core.permissions import has_permission
from plugins.sales.display import SalesView, choices
from plugins.sales.leads import overdue, services
from plugins.sales.leads.lists import CustomerView, FollowUpListView, RepAwayView, RosterView
from plugins.sales.leads.models import (
    Channel,
    FollowUp,
    Reception,
    ReceptionKind,
    RepAway,
    RosterEntry,
)
from plugins.sales.leads.rotation import sales_reps
from plugins.sales.models.customers import Customer, Objection, SourceChannel

CATEGORY = _l("Sales")


def _choices(enum):
    return [SelectChoice(value, text) for value, text in choices(enum)]


class RegistrationForm(FlaskForm):
    project_id = SelectField(_l("Site"), coerce=int, validators=[DataRequired()])
    caller_name = StringField(_l("Name"), [Length(max=100)])
    phone = StringField(_l("Phone"), [Length(max=40)])
    questions = TextAreaField(_l("Questions asked"), [Length(max=2000)])
    source = SelectField(_l("Source channel"), choices=_choices(SourceChannel))
    anonymous = BooleanField(_l("Declined to leave contact details"))
    appointment_at = DateTimeLocalField(_l("Appointment"), [Optional()])
    wants_visit = BooleanField(_l("Wants to visit, no time set"))


class FollowUpForm(FlaskForm):
    on = DateField(_l("Date"), [Optional()])
    channel = SelectField(_l("Channel"), choices=_choices(Channel))
    content = TextAreaField(_l("Content"), [Length(max=5000)])
    reaction = TextAreaField(_l("Customer's reaction"), [Length(max=2000)])
    objections = SelectMultipleField(_l("Objections"), choices=_choices(Objection))


def _flash_errors(exc: ValidationError) -> None:
    for field, messages in exc.normalized_messages().items():
        flash(f"{field}: {'; '.join(map(str, messages))}", "error")


class ReceptionView(SalesView):
    """The reception register: hotline and walk-in entry forms, and today's lines."""

    permission = "sales.leads.register"

    @expose("/", methods=("GET", "POST"))
    def index(self):
        kind = ReceptionKind(request.args.get("kind", ReceptionKind.walk_in.value))
        form = RegistrationForm()
        form.project_id.choices = [
            SelectChoice(p.id, p.name)
            for p in db.session.scalars(select(Project).order_by(Project.name))
        ]
        if form.validate_on_submit():
            data = {**form.data, "kind": kind}
            data.pop("csrf_token", None)
            try:
                entry = services.register(g.erp_company, data, g.erp_user)
            except ValidationError as exc:
                db.session.rollback()
                _flash_errors(exc)
            else:
                db.session.commit()
                code = entry.customer.code if entry.customer else _("anonymous")
                flash(_("Registered: %(code)s.", code=code), "success")
                return redirect(url_for(".index", kind=kind.value))
        today = services.china_time().date()
        lines = db.session.scalars(
            select(Reception).where(Reception.on == today).order_by(Reception.at.desc())
        ).all()
        return self.render("sales/leads/reception.html", form=form, kind=kind, lines=lines)


class FollowUpsView(SalesView):
    """ "My follow-ups" (a rep's overdue list of the day) and the site view for managers."""

    permission = "sales.view"

    def _day(self) -> date:
        try:
            return date.fromisoformat(request.args.get("day", ""))
        except ValueError:
            return services.china_time().date()

    @expose("/")
    def index(self):
        day = self._day()
        lines = overdue.overdue_list(day, rep_id=g.erp_user.id)
        due_today = db.session.scalars(
            select(Customer)
            .where(Customer.rep_id == g.erp_user.id, Customer.follow_up_target_on == day)
            .order_by(Customer.grade, Customer.code)
        ).all()
        return self.render(
            "sales/leads/follow_ups.html", day=day, lines=lines, due_today=due_today, site=None
        )

    @expose("/site")
    def site(self):
        if not has_permission("sales.manage"):
            return forbidden("sales.manage")
        day = self._day()
        projects = db.session.scalars(select(Project).order_by(Project.name)).all()
        project_id = request.args.get("project_id", type=int)
        rep_id = request.args.get("rep_id", type=int)
        lines = overdue.overdue_list(day, rep_id=rep_id, project_id=project_id)
        reps = db.session.scalars(
            select(User).where(User.id.in_(sales_reps(g.erp_company))).order_by(User.name)
        ).all()
        return self.render(
            "sales/leads/follow_ups.html",
            day=day,
            lines=lines,
            due_today=[],
            site={"projects": projects, "project_id": project_id, "reps": reps, "rep_id": rep_id},
        )

    @expose("/record/<int:customer_id>", methods=("GET", "POST"))
    def record(self, customer_id):
        if not has_permission("sales.leads.register"):
            return forbidden("sales.leads.register")
        customer = db.session.get(Customer, customer_id)
        if customer is None or customer.company_id != g.erp_company.id:
            return redirect(url_for(".index"))
        form = FollowUpForm()
        if form.validate_on_submit():
            data = {k: v for k, v in form.data.items() if k != "csrf_token"}
            services.record_follow_up(g.erp_company, customer, data, g.erp_user)
            db.session.commit()
            flash(_("Follow-up recorded for %(code)s.", code=customer.code), "success")
            return redirect(url_for(".index"))
        return self.render("sales/leads/record.html", form=form, customer=customer)


def views():
    return [
        ReceptionView(name=_l("Reception register"), category=CATEGORY, endpoint="sales_reception"),
        FollowUpsView(name=_l("My follow-ups"), category=CATEGORY, endpoint="sales_my_follow_ups"),
        CustomerView(Customer, name=_l("Customers"), category=CATEGORY, endpoint="sales_customers"),
        FollowUpListView(
            FollowUp, name=_l("Follow-ups"), category=CATEGORY, endpoint="sales_follow_ups"
        ),
        RosterView(RosterEntry, name=_l("Duty roster"), category=CATEGORY, endpoint="sales_roster"),
        RepAwayView(RepAway, name=_l("Reps away"), category=CATEGORY, endpoint="sales_rep_away"),
    ]
