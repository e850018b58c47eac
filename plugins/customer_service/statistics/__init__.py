"""Monthly statistics and the weekly sales report (CS-12): the sales month's reconciliation of
sales, customer service and finance, the report to the VP and GM, the Friday report."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.admin import labels
from core.permissions import Permission
from plugins.customer_service.statistics import models  # noqa: F401 (registers the tables)
from plugins.sales.units.duties import WEEKDAYS

VIEW = "customer_service.statistics.view"
MANAGE = "customer_service.statistics.manage"

labels.register(
    {
        "monthly": _l("Monthly"),
        "weekly": _l("Weekly"),
        "order_without_contract": _l("Order without contract"),
        "contract_without_order": _l("Contract without a valid order"),
        "price_mismatch": _l("Price differs"),
        "cash_mismatch": _l("Money received differs"),
    }
)


class Settings(Schema):
    # CS-12: the sales month closes on this day (past a month's end: its last day).
    sales_month_cutoff_day = fields.Integer(load_default=25, validate=validate.Range(1, 31))
    # CS-12: the month's report goes to the VP and GM by this day of the next month.
    monthly_report_day = fields.Integer(load_default=5, validate=validate.Range(1, 28))
    # CS-12: the weekly sales report goes out on this weekday (afternoon).
    weekly_sales_report_weekday = fields.String(
        load_default="friday", validate=validate.OneOf(WEEKDAYS)
    )


def permissions():
    return [
        Permission(
            VIEW,
            _l("See the sales reconciliation and the sales reports"),
            ("cs_rep", "cs_manager", "archive_clerk", "finance", "finance_manager", "vp", "gm"),
        ),
        Permission(
            MANAGE,
            _l("Reconcile the sales month, explain differences, issue the reports"),
            ("cs_manager",),
        ),
    ]


def admin_views():
    from plugins.customer_service.statistics.admin import views

    return views()


def api_blueprints():
    from plugins.customer_service.statistics.api import bp

    return [bp]


def openapi(spec):
    from plugins.customer_service.statistics.api import register_openapi

    register_openapi(spec)


def duties(company):
    from plugins.customer_service.statistics.reports import duties as statistics_duties

    return statistics_duties(company)


def demo(company):
    from plugins.customer_service.statistics.demo_data import demo as make

    make(company)
