"""Sales (销售): leads, reception rotation, sales control, orders (SPEC section 1).

The plugin is split into areas (``units``, ``leads``, ``orders``), each a package that may
define ``Settings`` (a marshmallow schema mixed into the plugin's settings), and functions
``permissions()``, ``admin_views()``, ``api_blueprints()``, ``openapi(spec)``,
``duties(company)``, ``letter_kinds(company)`` and ``approval_flows(company)``; the hook
implementations below gather them, so an area never edits this file.
"""

import importlib
from pathlib import Path

from flask_babel import lazy_gettext as _l
from marshmallow import Schema

from core.admin.views import PluginHomeView
from core.hookspecs import hookimpl
from core.permissions import Permission
from core.plugins import Manifest
from plugins.sales import models  # noqa: F401 (registers the sales tables)

AREAS = tuple(
    importlib.import_module(f"plugins.sales.{name}")
    for name in ("units", "leads", "orders", "reports")
)

SalesSettings = type(
    "SalesSettings",
    tuple(a.Settings for a in AREAS if hasattr(a, "Settings")) or (Schema,),
    {"__doc__": "Every sales area's settings, with the SPEC defaults."},
)

manifest = Manifest(
    name="sales",
    version="0.1.0",
    label=_l("Sales"),
    settings=SalesSettings,
    description=_l("Leads, reception rotation, sales control, orders and discounts."),
)

REPS = ("sales_rep", "site_manager", "sales_controller")


def _gather(name, *args):
    result = []
    for area in AREAS:
        function = getattr(area, name, None)
        if function is not None:
            result.extend(function(*args) or [])
    return result


@hookimpl
def erp_permissions():
    return [
        Permission("sales.view", _l("Use the sales screens"), REPS + ("cs_rep", "cs_manager")),
        Permission("sales.manage", _l("Manage the sales site"), ("site_manager",)),
        *_gather("permissions"),
    ]


@hookimpl
def erp_migration_dirs():
    return str(Path(__file__).parent / "migrations" / "versions")


@hookimpl
def erp_admin_views():
    return [PluginHomeView(manifest, "sales.view"), *_gather("admin_views")]


@hookimpl
def erp_api_blueprints():
    return _gather("api_blueprints")


@hookimpl
def erp_api_schemas(spec):
    for area in AREAS:
        if hasattr(area, "openapi"):
            area.openapi(spec)


@hookimpl
def erp_duties(company):
    return _gather("duties", company)


@hookimpl
def erp_letter_templates(company):
    return _gather("letter_kinds", company)


@hookimpl
def erp_approval_flows(company):
    return _gather("approval_flows", company)


@hookimpl
def erp_approval_decided(request):
    for area in AREAS:
        if hasattr(area, "on_approval_decided"):
            area.on_approval_decided(request)


@hookimpl
def erp_settings_changed(company, plugin, old, new):
    for area in AREAS:
        if hasattr(area, "on_settings_changed"):
            area.on_settings_changed(company, plugin, old, new)
