"""Greetings (CS-16): birthday cards every week to customers and known family members, holiday
cards (lunar dates computed), the monthly newsletter with the project's progress, the customer
forum every half year."""

from calendar import TUESDAY

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.admin import labels
from core.permissions import Permission
from plugins.customer_service.greetings import models  # noqa: F401 (registers the tables)

HOLIDAY_LABELS = {
    "new_year": _l("New Year's Day"),
    "spring_festival": _l("Spring Festival"),
    "mid_autumn": _l("Mid-Autumn Festival"),
    "national_day": _l("National Day"),
    "christmas": _l("Christmas"),
}
labels.register(
    {
        "self": _l("The customer"),
        "spouse": _l("Spouse"),
        "child": _l("Child"),
        "parent": _l("Parent"),
        "forum": _l("Customer forum"),
        "holiday": _l("Holiday event"),
        **HOLIDAY_LABELS,
    }
)


class Settings(Schema):
    # CS-16: birthday cards go out on this weekday for the birthdays of its week (Tuesday).
    greeting_weekday = fields.Integer(load_default=TUESDAY, validate=validate.Range(0, 6))
    # Holiday cards are queued this many days before the holiday, to arrive in time.
    greeting_holiday_days_before = fields.Integer(load_default=7, validate=validate.Range(0, 60))
    # CS-16: the newsletter goes out on this day of each month (the 15th).
    newsletter_day = fields.Integer(load_default=15, validate=validate.Range(min=1, max=28))


EDIT = "customer_service.greetings.edit"


def permissions():
    return [
        Permission(
            EDIT,
            _l("Edit family members, newsletters and customer events"),
            ("cs_rep", "cs_manager"),
        )
    ]


def admin_views():
    from plugins.customer_service.greetings.admin import views

    return views()


def api_blueprints():
    from plugins.customer_service.greetings.api import bp

    return [bp]


def openapi(spec):
    from plugins.customer_service.greetings.api import register_openapi

    register_openapi(spec)


def duties(company):
    from plugins.customer_service.greetings.periodic import duties

    return duties(company)


def letter_kinds(company):
    from plugins.customer_service.greetings.letters import letter_kinds

    return letter_kinds(company)


def demo(company):
    from plugins.customer_service.greetings.demo_data import load

    return load(company)
