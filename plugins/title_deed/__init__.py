"""Title deeds (产权): registration, deed tax, maintenance fund (SPEC section 5)."""

from flask_babel import lazy_gettext as _l

from core.admin.views import PluginHomeView
from core.hookspecs import hookimpl
from core.permissions import Permission
from core.plugins import Manifest

manifest = Manifest(
    name="title_deed",
    version="0.1.0",
    label=_l("Title deeds"),
    depends=("handover",),
    description=_l("Initial registration, individual titles, deed tax, maintenance fund."),
)


@hookimpl
def erp_permissions():
    return [
        Permission(
            "title_deed.view",
            _l("Use the title-deed screens"),
            ("cs_rep", "cs_manager", "archive_clerk"),
        )
    ]


@hookimpl
def erp_admin_views():
    return [PluginHomeView(manifest, "title_deed.view")]
