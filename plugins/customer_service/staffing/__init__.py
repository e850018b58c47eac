"""Staffing and assignment (CS-01–03), segments and surveys (CS-21).

For the other areas: :func:`services.assign_household` (the household of a sold unit with its
rep, balanced per CS-02; does not commit), :func:`services.rep_of` and
:func:`authority.needs_approval` (CS-03: does a rep's decision need approval?).
"""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.permissions import Permission
from plugins.customer_service.staffing import models  # noqa: F401 (registers the tables)

VIEW = "customer_service.view"
ASSIGN = "customer_service.staffing.assign"
SURVEY = "customer_service.surveys.record"

households = validate.Range(min=1, max=10000)


class Settings(Schema):
    # CS-02: households per customer-service rep, per project type (lower, upper).
    ratio_villa_min = fields.Integer(load_default=60, validate=households)
    ratio_villa_max = fields.Integer(load_default=80, validate=households)
    ratio_apartment_min = fields.Integer(load_default=120, validate=households)
    ratio_apartment_max = fields.Integer(load_default=140, validate=households)
    ratio_residential_min = fields.Integer(load_default=160, validate=households)
    ratio_residential_max = fields.Integer(load_default=200, validate=households)

    @validates_schema
    def _ranges(self, data, **kwargs):
        for kind in ("villa", "apartment", "residential"):
            low, high = data[f"ratio_{kind}_min"], data[f"ratio_{kind}_max"]
            if low > high:
                raise ValidationError("must not exceed the maximum", f"ratio_{kind}_min")


def permissions():
    return [
        Permission(ASSIGN, _l("Assign households to reps, name a project's reps"), ("cs_manager",)),
        Permission(
            SURVEY, _l("Record satisfaction surveys and segment tags"), ("cs_rep", "cs_manager")
        ),
    ]


def admin_views():
    from plugins.customer_service.staffing.admin import views

    return views()


def api_blueprints():
    from plugins.customer_service.staffing.api import bp

    return [bp]


def openapi(spec):
    from plugins.customer_service.staffing.api import openapi as describe

    describe(spec)


def demo(company):
    from plugins.customer_service.staffing.demo_data import load

    load(company)
