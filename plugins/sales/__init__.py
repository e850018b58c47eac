"""Sales (销售): leads, reception rotation, sales control, orders (SPEC section 1).

The plugin is split into areas (``units``, ``leads``, ``orders``, ``reports``), each a package
contributing to the hooks through :class:`core.plugins.areas.Areas`.
"""

from pathlib import Path

from flask_babel import lazy_gettext as _l

from core.admin.views import PluginHomeView
from core.hookspecs import hookimpl
from core.permissions import Permission
from core.plugins import Manifest
from core.plugins.areas import Areas
from plugins.sales import models  # noqa: F401 (registers the sales tables)

areas = Areas(__name__, ("units", "leads", "orders", "reports"))
SalesSettings = areas.settings(
    "SalesSettings", "Every sales area's settings, with the SPEC defaults."
)

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
        *areas.gather("permissions"),
    ]


@hookimpl
def erp_migration_dirs():
    return str(Path(__file__).parent / "migrations" / "versions")


@hookimpl
def erp_admin_views():
    return [PluginHomeView(manifest, "sales.view"), *areas.gather("admin_views")]


erp_api_blueprints = areas.erp_api_blueprints
erp_api_schemas = areas.erp_api_schemas
erp_duties = areas.erp_duties
erp_letter_templates = areas.erp_letter_templates
erp_approval_flows = areas.erp_approval_flows
erp_approval_decided = areas.erp_approval_decided
erp_settings_changed = areas.erp_settings_changed


@hookimpl
def erp_demo_data(company):
    from plugins.sales.demo import load

    load(company)
