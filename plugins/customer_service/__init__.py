"""Customer service (客户服务): one rep per household, contracts, payments and dunning,
complaints, visits, greetings, the customer archive (SPEC section 2).

Each business area is a package contributing to the hooks through
:class:`core.plugins.areas.Areas`; the tables every area shares are in ``models``.
"""

from pathlib import Path

from flask_babel import lazy_gettext as _l

from core.admin.views import PluginHomeView
from core.hookspecs import hookimpl
from core.permissions import Permission
from core.plugins import Manifest
from core.plugins.areas import Areas
from plugins.customer_service import models  # noqa: F401 (registers the shared tables)

areas = Areas(
    __name__,
    (
        "staffing",
        "contracts",
        "payments",
        "dunning",
        "statistics",
        "complaints",
        "contacts",
        "greetings",
        "archive",
        "engineering",
    ),
)
CustomerServiceSettings = areas.settings(
    "CustomerServiceSettings", "Every customer-service area's settings, with the SPEC defaults."
)

manifest = Manifest(
    name="customer_service",
    version="0.1.0",
    label=_l("Customer service"),
    depends=("sales",),
    settings=CustomerServiceSettings,
    description=_l("Contracts, payments and dunning, complaints, visits, customer archive."),
)

CS = ("cs_rep", "cs_manager", "archive_clerk")


@hookimpl
def erp_permissions():
    return [
        Permission("customer_service.view", _l("Use the customer-service screens"), CS),
        Permission("customer_service.manage", _l("Manage customer service"), ("cs_manager",)),
        *areas.gather("permissions"),
    ]


@hookimpl
def erp_migration_dirs():
    return str(Path(__file__).parent / "migrations" / "versions")


@hookimpl
def erp_admin_views():
    return [PluginHomeView(manifest, "customer_service.view"), *areas.gather("admin_views")]


erp_api_blueprints = areas.erp_api_blueprints
erp_api_schemas = areas.erp_api_schemas
erp_duties = areas.erp_duties
erp_letter_templates = areas.erp_letter_templates
erp_approval_flows = areas.erp_approval_flows
erp_approval_decided = areas.erp_approval_decided
erp_settings_changed = areas.erp_settings_changed
erp_demo_data = areas.erp_demo_data
