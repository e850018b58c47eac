"""Leads and reception (SAL-01–11): hotline and walk-in registration, customer codes, grading,
follow-ups, rotation, ownership and commission."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.permissions import Permission
from plugins.sales.leads import models  # noqa: F401 (registers the tables)
from plugins.sales.leads.overdue import duties
from plugins.sales.leads.rotation import approval_flows, on_approval_decided

__all__ = ["Settings", "approval_flows", "duties", "on_approval_decided"]

GRADES = ["A", "B", "C"]


def _days(default: int, high: int = 365):
    return fields.Integer(load_default=default, validate=validate.Range(min=0, max=high))


class Settings(Schema):
    # SAL-02: a hotline call is followed up within this many days.
    call_follow_up_days = fields.Integer(load_default=7, validate=validate.Range(min=1, max=60))
    # SAL-03: `days` (target 1, limit 2) or `cutoff` (before 17:00 same day, else next day).
    walk_in_follow_up = fields.String(
        load_default="days", validate=validate.OneOf(["days", "cutoff"])
    )
    walk_in_cutoff_hour = fields.Integer(load_default=17, validate=validate.Range(min=0, max=23))
    walk_in_target_days = _days(1, 30)
    walk_in_limit_days = _days(2, 30)
    # SAL-07: grade labels (the codes A/B/C stay) and follow-up intervals per grade.
    grade_labels = fields.Dict(
        keys=fields.String(validate=validate.OneOf(GRADES)),
        values=fields.String(validate=validate.Length(min=1, max=30)),
        load_default=lambda: {g: g for g in GRADES},
    )
    grade_a_days = _days(3)
    grade_b_days = _days(7)
    grade_c_days = _days(30)
    # SAL-10: the stand-in's share when the original rep was travelling or on leave.
    stand_in_share = fields.Decimal(
        as_string=True,
        places=2,
        load_default=Decimal("0.40"),
        validate=validate.Range(min=Decimal(0), max=Decimal(1)),
    )
    # SAL-11: a reassigned customer is contacted by the new rep within this many days.
    reassigned_contact_days = _days(3, 60)


def permissions():
    return [
        Permission(
            "sales.leads.register",
            _l("Register calls and visitors, record follow-ups"),
            ("sales_rep", "site_manager"),
        ),
        Permission(
            "sales.roster.edit", _l("Edit the duty roster and reps away"), ("site_manager",)
        ),
    ]


def admin_views():
    from plugins.sales.leads.admin import views

    return views()


def api_blueprints():
    from plugins.sales.leads.api import bp

    return [bp]


def openapi(spec):
    from plugins.sales.leads.api import register_openapi

    register_openapi(spec)
