"""Reports (SAL-26–28): the deal report and lost-customer analysis, the weekly plan against
actuals, and the reps' after-contract task lists."""

from flask_babel import lazy_gettext as _l

from core.permissions import Permission
from plugins.sales.reports import models  # noqa: F401 (registers the tables)

VIEW, PLAN = "sales.reports.view", "sales.plan.edit"


def permissions():
    return [
        Permission(
            VIEW,
            _l("See the sales reports"),
            ("sales_rep", "site_manager", "sales_controller", "vp", "gm"),
        ),
        Permission(PLAN, _l("Enter the weekly sales plan and delivery dates"), ("site_manager",)),
    ]


def admin_views():
    from plugins.sales.reports.admin import views

    return views()


def api_blueprints():
    from plugins.sales.reports.api import bp

    return [bp]


def openapi(spec):
    from plugins.sales.reports.api import register_openapi

    register_openapi(spec)


def duties(company):
    from plugins.sales.reports.aftersale import after_sale_duty

    return [after_sale_duty()]
