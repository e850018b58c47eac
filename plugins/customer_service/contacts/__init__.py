"""Contacts (CS-14 reception log, CS-15 visits): the reps' work log with escalations and
coordination requests, the CS manager's weekly sign-off, deletion only with the VP's
signature; visit rounds with their calls and records."""

from calendar import MONDAY, WEDNESDAY

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.admin import labels
from core.duties import Duty, Weekly
from core.permissions import Permission
from core.plugins.state import get_settings
from plugins.customer_service.contacts import models  # noqa: F401 (registers the tables)

labels.register(
    {
        "call": _l("Call"),
        "visit": _l("Visit"),
        "other": _l("Other"),
        "settled": _l("Settled on the spot"),
        "referred": _l("Referred to the CS manager"),
        # No "signed": labels are per code, that one is the contract's ("Signed"); the screens
        # list signed-off weeks under a "Signed off" heading, not by their status.
        "planned": _l("Planned"),
        "done": _l("Done"),
        "visited": _l("Visited"),
        "missed": _l("Not met"),
        "cs_manager": _l("CS manager"),
        "vp": _l("VP"),
        "gm": _l("General manager"),
    }
)


def _day(default: int):
    return fields.Integer(load_default=default, validate=validate.Range(min=0, max=6))


class Settings(Schema):
    # CS-14: the CS manager signs each rep's log of the last full week on this weekday.
    log_signoff_weekday = _day(MONDAY)
    # CS-14: the CS manager (then VP, then GM) answers the customer within these hours.
    log_escalation_hours = fields.Integer(load_default=48, validate=validate.Range(1, 720))
    # CS-15: every N months (N divides 12), in week K of the month, on this weekday.
    visit_interval_months = fields.Integer(
        load_default=2, validate=validate.OneOf([1, 2, 3, 4, 6, 12])
    )
    visit_week = fields.Integer(load_default=3, validate=validate.Range(min=1, max=4))
    visit_weekday = _day(WEDNESDAY)
    # CS-15: the customer is called 1–2 days before the visit.
    visit_call_days_min = fields.Integer(load_default=1, validate=validate.Range(min=0, max=6))
    visit_call_days_max = fields.Integer(load_default=2, validate=validate.Range(min=0, max=6))
    visit_min_per_round = fields.Integer(load_default=2, validate=validate.Range(min=1, max=50))

    @validates_schema
    def _calls(self, data, **kwargs):
        low, high = data.get("visit_call_days_min"), data.get("visit_call_days_max")
        if low is not None and high is not None and low > high:
            raise ValidationError("must not exceed visit_call_days_max", "visit_call_days_min")
        weekday = data.get("visit_weekday")
        # The rounds are planned on the Monday of the visit week: the calls come after.
        if weekday is not None and high is not None and weekday < high:
            raise ValidationError(
                "the calls before the visit must fall in the visit week", "visit_weekday"
            )


LOG, SIGN = "customer_service.contacts.log", "customer_service.contacts.sign"
ESCALATIONS, ANSWER = "customer_service.contacts.escalations", "customer_service.contacts.answer"
COORDINATE = "customer_service.contacts.coordinate"


def permissions():
    from plugins.customer_service.contacts.escalations import DEPARTMENTS

    return [
        Permission(LOG, _l("Write the work log, visits and calls"), ("cs_rep", "cs_manager")),
        Permission(SIGN, _l("Sign the reps' work logs"), ("cs_manager",)),
        Permission(
            ESCALATIONS,
            _l("See the customer matters referred to the CS manager"),
            ("cs_rep", "cs_manager", "vp", "gm"),
        ),
        Permission(ANSWER, _l("Answer escalated customer matters"), ("cs_manager", "vp", "gm")),
        Permission(
            COORDINATE,
            _l("See and complete coordination requests"),
            (*DEPARTMENTS, "cs_rep"),
        ),
    ]


def admin_views():
    from plugins.customer_service.contacts.admin import views
    from plugins.customer_service.contacts.visits_admin import views as visit_views

    return views() + visit_views()


def api_blueprints():
    from plugins.customer_service.contacts.api import bp
    from plugins.customer_service.contacts.visits_api import bp as visits_bp

    return [bp, visits_bp]


def openapi(spec):
    from plugins.customer_service.contacts import api, visits_api

    api.register_openapi(spec)
    visits_api.register_openapi(spec)


def duties(company):
    from plugins.customer_service.contacts import services, visits

    settings = get_settings(company, "customer_service")
    return [
        Duty(
            "customer_service.log_signoff",
            Weekly(settings["log_signoff_weekday"]),
            services.list_signoffs,
            _l("Work logs to sign"),
        ),
        Duty(
            "customer_service.visit_rounds",
            visits.schedule(settings),
            visits.plan_rounds,
            _l("Visit rounds"),
        ),
    ]


def approval_flows(company):
    from plugins.customer_service.contacts.services import approval_flows

    return approval_flows(company)


def on_approval_decided(request):
    from plugins.customer_service.contacts.services import approval_decided

    approval_decided(request)


def demo(company):
    from plugins.customer_service.contacts.demo_data import load

    return load(company)
