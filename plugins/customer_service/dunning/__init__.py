"""Dunning (应收楼款催收): the daily ladder (CS-10) and the weekly dunning list and meeting
(CS-11).

For the payments area: :func:`services.instalment_settled`. The ladder: ``ladder``; the
letters: ``letters``; the weekly list and meeting: ``weekly``; holds and tasks: ``cases``.
"""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.permissions import Permission
from plugins.customer_service.dunning import models  # noqa: F401 (registers the tables)
from plugins.customer_service.dunning.duties import duties
from plugins.sales.units.duties import WEEKDAYS

__all__ = ["Settings", "duties"]
days = validate.Range(min=1, max=3650)
# The overdue thresholds in ladder order (CS-10); each must exceed the one before.
OVERDUE_SETTINGS = (
    "dunning_reminder_days",
    "dunning_investigation_days",
    "dunning_reminder_letter_days",
    "dunning_demand_letter_days",
    "dunning_lawyer_letter_days",
    "dunning_pre_release_days",
    "dunning_release_days",
)


class Settings(Schema):
    # CS-10: the ladder's thresholds in days relative to the due date. "before": days before
    # it; "more than N days" letters come on day N + 1 past due; the release on day N.
    dunning_pre_due_days = fields.Integer(load_default=3, validate=validate.Range(min=0, max=60))
    dunning_reminder_days = fields.Integer(load_default=1, validate=days)
    dunning_investigation_days = fields.Integer(load_default=7, validate=days)
    dunning_reminder_letter_days = fields.Integer(load_default=15, validate=days)
    dunning_demand_letter_days = fields.Integer(load_default=30, validate=days)
    dunning_lawyer_letter_days = fields.Integer(load_default=45, validate=days)
    dunning_pre_release_days = fields.Integer(load_default=60, validate=days)
    dunning_release_days = fields.Integer(load_default=75, validate=days)
    # The law firm whose name signs the lawyer's letter (律师函); blank: the company's.
    dunning_law_firm = fields.String(load_default="", validate=validate.Length(max=100))
    # CS-11: the archive clerk's weekly list, and the dunning meeting.
    dunning_list_weekday = fields.String(load_default="friday", validate=validate.OneOf(WEEKDAYS))
    dunning_meeting_weekday = fields.String(
        load_default="thursday", validate=validate.OneOf(WEEKDAYS)
    )

    @validates_schema
    def _in_order(self, data, **kwargs):
        # A step is never skipped: each threshold must come after the one before it.
        previous = None
        for name in OVERDUE_SETTINGS:
            value = data.get(name)
            if value is None:
                continue
            if previous is not None and value <= data[previous]:
                raise ValidationError(
                    f"must be more than {previous} ({data[previous]})", field_name=name
                )
            previous = name


def permissions():
    return [
        Permission(
            "customer_service.dunning.view",
            _l("See dunning cases, tasks and lists"),
            ("cs_rep", "cs_manager", "archive_clerk", "sales_rep", "site_manager", "vp"),
        ),
        Permission(
            "customer_service.dunning.work",
            _l("Work dunning tasks"),
            ("cs_rep", "cs_manager", "sales_rep", "site_manager"),
        ),
        Permission("customer_service.dunning.hold", _l("Put dunning cases on hold"), ("vp",)),
        Permission(
            "customer_service.dunning.resolve",
            _l("Resolve late payments caused by the company"),
            ("cs_manager",),
        ),
    ]


def letter_kinds(company):
    from plugins.customer_service.dunning.letters import letter_kinds as kinds

    return kinds(company)


def approval_flows(company):
    from plugins.customer_service.dunning.weekly import DEFAULT_FLOW

    return [DEFAULT_FLOW]


def api_blueprints():
    from plugins.customer_service.dunning.api import bp

    return [bp]


def openapi(spec):
    from plugins.customer_service.dunning.api import openapi as describe

    describe(spec)


def admin_views():
    from plugins.customer_service.dunning.admin import views

    return views()


def demo(company):
    from plugins.customer_service.dunning.demo_data import load

    load(company)
