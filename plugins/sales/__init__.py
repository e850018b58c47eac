"""Sales (销售): leads, reception rotation, sales control, orders (SPEC section 1)."""

from pathlib import Path

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.admin.views import PluginHomeView
from core.hookspecs import hookimpl
from core.permissions import Permission
from core.plugins import Manifest
from plugins.sales import models  # noqa: F401 (registers the sales tables)


class SalesSettings(Schema):
    # SAL-02: a hotline call is followed up within this many days.
    call_follow_up_days = fields.Integer(load_default=7, validate=validate.Range(min=1, max=60))
    # SAL-03: `days` (target 1, limit 2) or `cutoff` (before 17:00 same day, else next day).
    walk_in_follow_up = fields.String(
        load_default="days", validate=validate.OneOf(["days", "cutoff"])
    )
    walk_in_cutoff_hour = fields.Integer(load_default=17, validate=validate.Range(min=0, max=23))
    # SAL-19: cooling-off refund of the deposit.
    cooling_off_enabled = fields.Boolean(load_default=True)
    cooling_off_days = fields.Integer(load_default=3, validate=validate.Range(min=0, max=30))


manifest = Manifest(
    name="sales",
    version="0.1.0",
    label=_l("Sales"),
    settings=SalesSettings,
    description=_l("Leads, reception rotation, sales control, orders and discounts."),
)

REPS = ("sales_rep", "site_manager", "sales_controller")


@hookimpl
def erp_permissions():
    return [
        Permission("sales.view", _l("Use the sales screens"), REPS + ("cs_rep", "cs_manager")),
        Permission("sales.manage", _l("Manage the sales site"), ("site_manager",)),
    ]


@hookimpl
def erp_migration_dirs():
    return str(Path(__file__).parent / "migrations" / "versions")


@hookimpl
def erp_admin_views():
    return [PluginHomeView(manifest, "sales.view")]
