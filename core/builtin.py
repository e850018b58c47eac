"""The core's own hook implementations: it is registered as the always-enabled plugin 'core'."""

from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.permissions import Permission

ADMIN = ("company_admin",)
MANAGERS = ("company_admin", "site_manager", "cs_manager", "vp", "gm")


@hookimpl
def erp_permissions():
    return [
        Permission("core.companies.manage", _l("Manage project companies (group admin)")),
        Permission("core.plugins.manage", _l("Enable plugins and change their settings"), ADMIN),
        Permission("core.users.manage", _l("Manage users and memberships"), ADMIN),
        Permission("core.roles.manage", _l("Manage roles and their permissions"), ADMIN),
        Permission("core.projects.view", _l("View projects"), tuple(_all_staff())),
        Permission("core.projects.edit", _l("Create and change projects"), MANAGERS),
        Permission("core.api.tokens", _l("Create API tokens"), ADMIN),
    ]


def _all_staff():
    from core.permissions import DEFAULT_ROLES

    return [r for r in DEFAULT_ROLES if r not in ("owner", "contractor")]


@hookimpl
def erp_admin_views():
    from core.admin.core_views import core_views

    return core_views()


@hookimpl
def erp_api_blueprints():
    from core.api.core_endpoints import bp

    return [bp]


@hookimpl
def erp_api_schemas(spec):
    from core.api.core_endpoints import register_openapi

    register_openapi(spec)
