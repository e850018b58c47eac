"""Handover (交房): area settlement, batches, notices, inspections, keys (SPEC section 4)."""

from flask_babel import lazy_gettext as _l

from core.admin.views import PluginHomeView
from core.hookspecs import hookimpl
from core.permissions import Permission
from core.plugins import Manifest

manifest = Manifest(
    name="handover",
    version="0.1.0",
    label=_l("Handover"),
    depends=("customer_service",),
    description=_l(
        "Area settlement, handover batches and milestones, notices, inspections, repairs, keys."
    ),
)


@hookimpl
def erp_permissions():
    return [
        Permission(
            "handover.view",
            _l("Use the handover screens"),
            ("cs_rep", "cs_manager", "engineering", "property_company"),
        )
    ]


@hookimpl
def erp_admin_views():
    return [PluginHomeView(manifest, "handover.view")]
