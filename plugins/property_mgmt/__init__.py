"""Property management (物业): repairs, keys, fees, renovation, fund votes (SPEC section 6)."""

from flask_babel import lazy_gettext as _l

from core.admin.views import PluginHomeView
from core.hookspecs import hookimpl
from core.permissions import Permission
from core.plugins import Manifest

manifest = Manifest(
    name="property_mgmt",
    version="0.1.0",
    label=_l("Property management"),
    depends=(),
    description=_l("Repairs after handover, keys, fees, renovation, maintenance-fund votes."),
)


@hookimpl
def erp_permissions():
    return [
        Permission(
            "property_mgmt.view",
            _l("Use the property-management screens"),
            ("property_company", "cs_manager"),
        )
    ]


@hookimpl
def erp_admin_views():
    return [PluginHomeView(manifest, "property_mgmt.view")]
