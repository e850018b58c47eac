"""Mortgage (按揭): calculator, checklist, progress table, funding (SPEC section 3)."""

from flask_babel import lazy_gettext as _l

from core.admin.views import PluginHomeView
from core.hookspecs import hookimpl
from core.permissions import Permission
from core.plugins import Manifest

manifest = Manifest(
    name="mortgage",
    version="0.1.0",
    label=_l("Mortgage"),
    depends=("customer_service",),
    description=_l("Mortgage calculator, bank checklist, progress table, funding and delays."),
)


@hookimpl
def erp_permissions():
    return [
        Permission(
            "mortgage.view",
            _l("Use the mortgage screens"),
            ("mortgage_officer", "cs_rep", "cs_manager", "archive_clerk"),
        )
    ]


@hookimpl
def erp_admin_views():
    return [PluginHomeView(manifest, "mortgage.view")]
