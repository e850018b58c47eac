"""List and form screens of the leads area: customers and their information file (SAL-06),
follow-ups done (SAL-05), the duty roster (SAL-08) and reps away (SAL-08/10)."""

from flask import g
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.contrib.sqla.filters import EnumEqualFilter
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select
from wtforms import SelectChoice, SelectMultipleField

from core.admin.views import ErpModelView
from core.extensions import db
from core.models import User
from plugins.sales.display import choices, grade_choices, grade_label, labels_of, person
from plugins.sales.leads import services
from plugins.sales.leads.models import AwayReason, Channel
from plugins.sales.leads.rotation import sales_reps
from plugins.sales.models.customers import (
    Customer,
    IncomeBand,
    Objection,
    Outcome,
    Purpose,
    SourceChannel,
)


def _person(view, context, model, name):
    return person(getattr(model, name))


def _grade(view, context, model, name):
    return grade_label(getattr(model, name))


def _objections(view, context, model, name):
    return labels_of(getattr(model, name))


def _reps():
    """The current company's sales reps: users are not company rows, so a drop-down of
    users is scoped here, not by the session."""
    ids = sales_reps(g.erp_company)
    query = select(User).where(User.id.in_(ids)).order_by(User.name, User.email)
    return db.session.scalars(query).all()


class CustomerLoader(QueryAjaxModelLoader):
    """The customers a household drop-down searches: the current company's (the session
    scopes the query), by code, name or phone."""

    def __init__(self, name):
        super().__init__(name, db.session, Customer, fields=("code", "name", "phone"))

    def format(self, model):
        return (model.id, str(model)) if model is not None else None


class CustomerView(ErpModelView):
    """Customers and their information file (SAL-06); created by the reception register."""

    permission = "sales.view"
    edit_permission = "sales.leads.register"
    can_view_details = True
    column_list = (
        "code", "name", "phone", "project", "grade", "source", "rep", "follow_up_due_on",
    )  # fmt: skip
    column_details_list = (
        "code", "name", "phone", "project", "source", "grade", "rep", "referrer", "household",
        "family", "occupation", "income_band", "housing", "purpose", "homes_bought",
        "objections", "visit_count", "first_visit_on", "outcome", "outcome_on", "notes",
        "follow_up_target_on", "follow_up_due_on", "last_follow_up_on", "created_at",
    )  # fmt: skip
    column_searchable_list = ("code", "name", "phone")
    column_filters = (
        "project.name",
        # SAL-07: the grade offered by the company's labels (the codes stay A/B/C).
        EnumEqualFilter(
            Customer.grade, _l("Grade"), options=[(g, LazyString(grade_label, g)) for g in "ABC"]
        ),
        "source", "rep.name", "rep.email", "purpose", "outcome",
        "follow_up_target_on", "follow_up_due_on", "last_follow_up_on",
    )  # fmt: skip
    column_default_sort = "code"
    column_choices = {
        "source": choices(SourceChannel),
        "income_band": choices(IncomeBand),
        "purpose": choices(Purpose),
        "outcome": choices(Outcome),
    }
    column_formatters = {"grade": _grade, "rep": _person, "objections": _objections}
    form_columns = (
        "name", "phone", "grade", "family", "household", "occupation", "income_band", "housing",
        "purpose", "homes_bought", "objections", "visit_count", "notes", "outcome",
        "outcome_on",
    )  # fmt: skip
    form_choices = {
        "income_band": choices(IncomeBand),
        "purpose": choices(Purpose),
        "outcome": choices(Outcome),
    }
    form_overrides = {"objections": SelectMultipleField}
    form_args = {"objections": {"choices": [SelectChoice(*c) for c in choices(Objection)]}}
    form_ajax_refs = {"household": CustomerLoader("household")}
    form_widget_args = {"visit_count": {"readonly": True}}
    column_labels = {
        "code": _l("Code"),
        "project": _l("Site"),
        "project.name": _l("Site"),
        "rep": _l("Rep"),
        "rep.name": _l("Rep"),
        "rep.email": _l("Rep e-mail"),
        "referrer": _l("Referred by"),
        "household": _l("Household (family)"),
        "follow_up_target_on": _l("Follow-up target"),
        "follow_up_due_on": _l("Follow-up due"),
        "last_follow_up_on": _l("Last follow-up"),
        "income_band": _l("Income band"),
        "homes_bought": _l("Homes bought before"),
        "objections": _l("Objections"),
    }

    @property
    def can_create(self):
        return False

    @property
    def can_delete(self):
        return False

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        # SAL-07: the grade codes stay A/B/C; their labels are the company's.
        form.grade.choices = grade_choices()
        return form

    def on_model_change(self, form, model, is_created):
        # The grade, the outcome, the household and the objections go through the services:
        # the grade and the outcome move the due dates, the household is checked and kept
        # one per family, the objections kept as a sorted set of codes.
        changed = inspect(model).attrs
        if changed.grade.history.has_changes():
            services.set_grade(g.erp_company, model, model.grade)
        data = {}
        if changed.outcome.history.has_changes() and model.outcome:
            data["outcome"] = model.outcome
        if changed.household.history.has_changes():
            data["household_id"] = model.household.id if model.household else None
        if changed.objections.history.has_changes():
            data["objections"] = model.objections
        if data:
            services.update_customer(g.erp_company, model, data)


class FollowUpListView(ErpModelView):
    permission = "sales.view"
    can_create = can_edit = can_delete = False
    column_list = ("on", "customer", "rep", "channel", "content", "reaction", "objections")
    column_filters = (
        "on", "channel", "rep.name", "customer.code", "customer.name", "customer.grade",
        "customer.project.name",
    )  # fmt: skip
    column_choices = {"channel": choices(Channel)}
    column_formatters = {"rep": _person, "objections": _objections}
    column_default_sort = ("on", True)
    column_labels = {
        "on": _l("Date"),
        "customer": _l("Customer"),
        "customer.code": _l("Customer code"),
        "customer.name": _l("Customer"),
        "customer.grade": _l("Grade"),
        "customer.project.name": _l("Site"),
        "rep": _l("Rep"),
        "rep.name": _l("Rep"),
        "channel": _l("Channel"),
        "content": _l("Content"),
        "reaction": _l("Customer's reaction"),
        "objections": _l("Objections"),
    }


class RosterView(ErpModelView):
    """The duty roster per site and day, in rotation order (SAL-08)."""

    permission = "sales.view"
    edit_permission = "sales.roster.edit"
    column_list = ("day", "project", "position", "rep")
    column_filters = ("day", "project.name", "rep.name")
    column_default_sort = [("day", True), ("position", False)]
    column_formatters = {"rep": _person}
    form_columns = ("project", "day", "position", "rep")
    form_args = {"rep": {"query_factory": _reps, "get_label": person}}
    column_labels = {
        "day": _l("Day"),
        "project": _l("Site"),
        "project.name": _l("Site"),
        "position": _l("Position"),
        "rep": _l("Rep"),
        "rep.name": _l("Rep"),
    }


class RepAwayView(ErpModelView):
    permission = "sales.view"
    edit_permission = "sales.roster.edit"
    column_list = ("rep", "start_on", "end_on", "reason")
    column_filters = ("rep.name", "start_on", "end_on", "reason")
    column_choices = {"reason": choices(AwayReason)}
    column_formatters = {"rep": _person}
    form_columns = ("rep", "start_on", "end_on", "reason")
    form_choices = {"reason": choices(AwayReason)}
    form_args = {"rep": {"query_factory": _reps, "get_label": person}}
    column_default_sort = ("start_on", True)
    column_labels = {
        "rep": _l("Rep"),
        "rep.name": _l("Rep"),
        "start_on": _l("From"),
        "end_on": _l("To"),
        "reason": _l("Reason"),
    }
