"""Admin screens of the leads area: reception register, customers and their file, follow-ups
("My follow-ups" and the site view), the duty roster and reps away. Rules live in services."""

from datetime import date

from flask import flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from sqlalchemy import inspect, select
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

from core.admin.views import ErpModelView, ErpView, forbidden
from core.extensions import db
from core.models import Project
from core.permissions import has_permission
from plugins.sales.leads import overdue, services
from plugins.sales.leads.models import (
    Channel,
    FollowUp,
    Reception,
    ReceptionKind,
    RepAway,
    RosterEntry,
)
from plugins.sales.models.customers import Customer, Objection, SourceChannel

CATEGORY = _l("Sales")


# Labels of the stored codes, in the business's words (SAL-01, SAL-05, SAL-06).
LABELS = {
    "newspaper": _l("Newspaper"),
    "tv": _l("TV"),
    "passing_by": _l("Passing by"),
    "referral": _l("Referral"),
    "flyer": _l("Flyer"),
    "outdoor": _l("Outdoor advertising"),
    "web": _l("Web"),
    "other": _l("Other"),
    "phone": _l("Phone"),
    "sms": _l("SMS"),
    "visit": _l("Visit"),
    "location": _l("Location"),
    "unit_price": _l("Unit price"),
    "total_price": _l("Total price"),
    "layout": _l("Layout"),
    "view": _l("View"),
    "floor": _l("Floor"),
    "payment_terms": _l("Payment terms"),
}


def _choices(enum):
    return [SelectChoice(m.value, LABELS.get(m.value, m.value)) for m in enum]


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


class ReceptionView(ErpView):
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
        return self.render(
            "sales/leads/reception.html", form=form, kind=kind, lines=lines, labels=LABELS
        )


class FollowUpsView(ErpView):
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
        lines = overdue.overdue_list(day, project_id=project_id)
        return self.render(
            "sales/leads/follow_ups.html",
            day=day,
            lines=lines,
            due_today=[],
            site={"projects": projects, "project_id": project_id},
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


class CustomerView(ErpModelView):
    """Customers and their information file (SAL-06); created by the reception register."""

    permission = "sales.view"
    edit_permission = "sales.leads.register"
    can_view_details = True
    column_list = ("code", "name", "phone", "grade", "source", "rep", "follow_up_due_on")
    column_details_exclude_list = ("company",)
    column_searchable_list = ("code", "name", "phone")
    column_filters = ("grade", "source", "rep.name", "rep.email", "follow_up_due_on")
    column_default_sort = "code"
    form_columns = (
        "name",
        "phone",
        "grade",
        "family",
        "occupation",
        "income_band",
        "housing",
        "purpose",
        "homes_bought",
        "visit_count",
        "notes",
        "outcome",
        "outcome_on",
    )
    form_widget_args = {"visit_count": {"readonly": True}}
    column_labels = {
        "code": _l("Code"),
        "rep": _l("Rep"),
        "follow_up_due_on": _l("Follow-up due"),
        "income_band": _l("Income band"),
        "homes_bought": _l("Homes bought before"),
    }

    @property
    def can_create(self):
        return False

    @property
    def can_delete(self):
        return False

    def on_model_change(self, form, model, is_created):
        # The grade and the outcome move the due dates: through the services, not raw.
        changed = inspect(model).attrs
        if changed.grade.history.has_changes():
            services.set_grade(g.erp_company, model, model.grade)
        if changed.outcome.history.has_changes() and model.outcome:
            services.update_customer(g.erp_company, model, {"outcome": model.outcome})


class FollowUpListView(ErpModelView):
    permission = "sales.view"
    can_create = can_edit = can_delete = False
    column_list = ("on", "customer", "rep", "channel", "content", "reaction", "objections")
    column_filters = ("on", "channel", "rep.name", "customer.code", "customer.grade")
    column_default_sort = ("on", True)


class RosterView(ErpModelView):
    """The duty roster per site and day, in rotation order (SAL-08)."""

    permission = "sales.view"
    edit_permission = "sales.roster.edit"
    column_list = ("day", "project", "position", "rep")
    column_filters = ("day", "project.name", "rep.name")
    column_default_sort = [("day", True), ("position", False)]
    form_columns = ("project", "day", "position", "rep")


class RepAwayView(ErpModelView):
    permission = "sales.view"
    edit_permission = "sales.roster.edit"
    column_list = ("rep", "start_on", "end_on", "reason")
    form_columns = ("rep", "start_on", "end_on", "reason")
    column_default_sort = ("start_on", True)


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
