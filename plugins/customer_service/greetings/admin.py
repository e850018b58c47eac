"""Screens of the greetings (CS-16): family members and birthdays, the birthdays of a week with
their cards, the newsletter editor (with "send now"), customer events."""

from flask import flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from marshmallow import ValidationError
from sqlalchemy import select

from core.admin.labels import label
from core.admin.views import ErpModelView, ErpView, forbidden
from core.duties import today
from core.extensions import db
from core.jobs.runner import now
from core.models.letters import Letter
from core.permissions import has_permission
from plugins.customer_service.contacts.admin import CATEGORY, VIEW, flash_errors
from plugins.customer_service.contacts.services import iso_week, week_start
from plugins.customer_service.greetings import EDIT, services
from plugins.customer_service.greetings.letters import BIRTHDAY
from plugins.customer_service.greetings.models import (
    CustomerEvent,
    EventKind,
    Newsletter,
    Person,
    Relation,
)


def _label(view, context, model, name):
    return label(getattr(model, name))


def _choices(kind) -> list[tuple[str, str]]:
    # Flask-Admin's Select2Field takes (value, label) tuples, not wtforms' SelectChoice.
    return [(member.value, label(member.value)) for member in kind]


class PersonView(ErpModelView):
    """The customers and their known family members, with birthdays (for the cards)."""

    permission = VIEW
    edit_permission = EDIT
    column_list = ("customer", "name", "relation", "birthday", "note")
    column_filters = ("relation", "birthday", "customer.code", "customer.name")
    column_searchable_list = ("name",)
    column_default_sort = ("customer_id", False)
    form_columns = ("customer", "name", "relation", "birthday", "note")
    column_formatters = {"relation": _label}
    column_labels = {
        "customer": _l("Customer"),
        "name": _l("Name"),
        "relation": _l("Relation"),
        "birthday": _l("Birthday"),
        "note": _l("Note"),
    }

    def create_form(self, obj=None):
        form = super().create_form(obj)
        form.relation.choices = _choices(Relation)
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        form.relation.choices = _choices(Relation)
        return form

    def on_model_change(self, form, model, is_created):
        # The rules (one "self" per customer, no future birthday) are the service's.
        fields = {name: getattr(model, name) for name in ("name", "relation", "birthday", "note")}
        customer_id = model.customer.id if model.customer else model.customer_id
        services.save_person(g.erp_company, {**fields, "customer_id": customer_id}, model)


class BirthdaysView(ErpView):
    """The birthdays of a week and whether their card was produced."""

    permission = VIEW

    @expose("/")
    def index(self):
        week = request.args.get("week") or iso_week(today())
        try:
            monday = week_start(week)
        except ValidationError as exc:
            flash_errors(exc)
            week, monday = iso_week(today()), week_start(iso_week(today()))
        people = services.birthdays_in_week(monday, with_contract=False)
        cards = {
            x.owner_id: x
            for x in db.session.scalars(
                select(Letter).where(
                    Letter.kind == BIRTHDAY,
                    Letter.step == week,
                    Letter.owner_type == Person.__tablename__,
                )
            )
        }
        return self.render(
            "customer_service/greetings/birthdays.html",
            week=week,
            people=people,
            cards=cards,
            with_contract=set(services.customer_contracts()),
        )


def _sent(view, context, model, name):
    sent = model.sent_at.strftime("%Y-%m-%d %H:%M") if model.sent_at else ""
    if not has_permission(EDIT):
        return sent
    action = url_for(".send", newsletter_id=model.id)
    return Markup(
        '{} <form method="post" action="{}" class="d-inline">'
        '<input type="hidden" name="csrf_token" value="{}">'
        '<button class="btn btn-outline-primary btn-sm">{}</button></form>'
    ).format(sent, action, generate_csrf(), _("Send now"))


class NewsletterView(ErpModelView):
    """The newsletter editor: each project's progress text per month; the duty sends it on
    the newsletter day, "send now" sends a text written late (each household once)."""

    permission = VIEW
    edit_permission = EDIT
    can_delete = False
    column_list = ("project", "month", "title", "updated_at", "sent_at")
    column_filters = ("month", "project.name")
    column_default_sort = ("month", True)
    form_columns = ("project", "month", "title", "body")
    form_widget_args = {"body": {"rows": 12}, "month": {"placeholder": "2026-11"}}
    column_formatters = {"sent_at": _sent}
    column_labels = {
        "project": _l("Project"),
        "month": _l("Month"),
        "title": _l("Title"),
        "body": _l("Progress (paragraphs separated by a blank line)"),
        "updated_at": _l("Updated"),
        "sent_at": _l("Sent"),
    }

    def on_model_change(self, form, model, is_created):
        model.month = services.check_month(model.month)
        model.updated_by_id, model.updated_at = g.erp_user.id, now()

    @expose("/send/<int:newsletter_id>", methods=("POST",))
    def send(self, newsletter_id):
        if not has_permission(EDIT):
            return forbidden(EDIT)
        newsletter = db.session.get(Newsletter, newsletter_id)
        if newsletter is not None:
            count = services.send_newsletter(g.erp_company, newsletter, g.erp_user)
            db.session.commit()
            flash(_("Queued to %(n)d households.", n=count), "success")
        return redirect(url_for(".index_view"))


def _due(view, context, model, name):
    if model.held_on is None and model.due_by < today():
        return Markup('{} <span class="badge badge-danger">{}</span>').format(
            model.due_by, _("overdue")
        )
    return model.due_by


class EventView(ErpModelView):
    """Customer events: the forum the duty plans every half year, holiday events."""

    permission = VIEW
    edit_permission = EDIT
    column_list = ("project", "kind", "period", "title", "due_by", "held_on", "attendees")
    column_filters = ("kind", "due_by", "held_on", "project.name")
    column_default_sort = ("due_by", True)
    form_columns = ("project", "kind", "period", "title", "due_by", "held_on", "attendees", "notes")
    column_formatters = {"kind": _label, "due_by": _due}
    column_labels = {
        "project": _l("Project"),
        "kind": _l("Kind"),
        "period": _l("Period"),
        "title": _l("Title"),
        "due_by": _l("Due by"),
        "held_on": _l("Held on"),
        "attendees": _l("Attendees"),
        "notes": _l("Notes"),
    }

    def create_form(self, obj=None):
        form = super().create_form(obj)
        form.kind.choices = _choices(EventKind)
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        form.kind.choices = _choices(EventKind)
        return form

    def on_model_change(self, form, model, is_created):
        if model.held_on is not None:
            services.hold_event(model, {"held_on": model.held_on, "attendees": model.attendees})


def views():
    return [
        PersonView(
            Person, name=_l("Family and birthdays"), category=CATEGORY, endpoint="cs_people"
        ),
        BirthdaysView(name=_l("Birthdays of the week"), category=CATEGORY, endpoint="cs_birthdays"),
        NewsletterView(
            Newsletter, name=_l("Newsletters"), category=CATEGORY, endpoint="cs_newsletters"
        ),
        EventView(
            CustomerEvent, name=_l("Customer events"), category=CATEGORY, endpoint="cs_events"
        ),
    ]
