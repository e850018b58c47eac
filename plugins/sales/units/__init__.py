"""Units and sales control (SAL-12–15, SAL-29): the state machine, its log, the board, prices.

For the orders area: :func:`services.take_unit` (the one-winner primitive, does not commit),
:func:`services.release_unit`; for the sales plugin's ``erp_approval_decided`` hook:
:func:`on_approval_decided`.
"""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.permissions import Permission
from plugins.sales.units import models  # noqa: F401 (registers the price tables)
from plugins.sales.units.duties import WEEKDAYS, duties
from plugins.sales.units.pricing import DEFAULT_FLOW, on_approval_decided

__all__ = ["Settings", "duties", "on_approval_decided"]
CONTROLLERS = ("sales_controller", "site_manager")


class Settings(Schema):
    # SAL-14: the weekly reconciliation report's day.
    reconciliation_weekday = fields.String(load_default="friday", validate=validate.OneOf(WEEKDAYS))


def permissions():
    return [
        Permission("sales.units.edit", _l("Import price lists, edit buildings"), CONTROLLERS),
        Permission("sales.units.control", _l("Hold units, release pre-sale permits"), CONTROLLERS),
        Permission("sales.prices.plan", _l("Submit price adjustment plans"), CONTROLLERS),
    ]


def admin_views():
    from plugins.sales.units.admin import views

    return views()


def api_blueprints():
    from plugins.sales.units.api import bp

    return [bp]


def openapi(spec):
    from plugins.sales.units.api import openapi as describe

    describe(spec)


def approval_flows(company):
    return [DEFAULT_FLOW]
