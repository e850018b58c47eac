"""Purchase plans, orders, deposits and discounts, and changes to orders (SAL-16–25)."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.admin import labels
from core.permissions import Permission
from plugins.sales.orders import models  # noqa: F401 (registers the order tables)

PCT = {"as_string": True, "places": 3, "validate": validate.Range(min=0, max=100)}
MONEY = {"as_string": True, "places": 2, "validate": validate.Range(min=0)}


def _money(default: str, **kw):
    return fields.Decimal(load_default=default, **MONEY, **kw)


def _pct(default: str):
    return fields.Decimal(load_default=default, **PCT)


labels.register(
    {
        "pending_approval": _l("Pending approval"),
        "active": _l("Valid"),
        "voided": _l("Voided"),
        "refunded": _l("Refunded"),
        "rejected": _l("Rejected"),
        "withdrawn": _l("Withdrawn"),
        # The same words as the contract's states (customer service): labels are per code.
        "terminated": _l("Terminated"),
        "cancelled": _l("Cancelled"),
        "full": _l("Full payment"),
        "instalments": _l("Instalments"),
        "mortgage": _l("Mortgage"),
        "small": _l("Small deposit"),
        "large": _l("Large deposit"),
        "equal_instalments": _l("Equal instalments"),
        "equal_principal": _l("Equal principal"),
        "commercial": _l("Commercial loan"),
        "provident": _l("Provident-fund loan"),
        "combination": _l("Combination loan"),
    }
)


class Settings(Schema):
    # SAL-19: cooling-off refund of the deposit (company practice, not law).
    cooling_off_enabled = fields.Boolean(load_default=True)
    cooling_off_days = fields.Integer(load_default=3, validate=validate.Range(min=0, max=30))
    # SAL-17: a small deposit (小定) lies in this range; any deposit ≤ 20 % of the price.
    small_deposit_min = _money("300.00")
    small_deposit_max = _money("5000.00")
    small_deposit_top_up_days = fields.Integer(load_default=3, validate=validate.Range(0, 30))
    deposit_max_pct = _pct("20")  # Civil Code art. 586
    # SAL-18: the contract is signed within this many days of the order.
    signing_days = fields.Integer(load_default=7, validate=validate.Range(min=1, max=90))
    # SAL-20: the highest discount (%) each role may grant; above the highest, nobody.
    discount_authority = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=50)),
        values=fields.Decimal(as_string=True, validate=validate.Range(min=0, max=100)),
        load_default=lambda: {"sales_rep": "0", "site_manager": "1", "vp": "3", "gm": "100"},
    )
    # SAL-16 / MTG-01: purchase-plan figures.
    lpr_5y_pct = _pct("3.50")  # the 5-year loan prime rate
    commercial_spread_pct = fields.Decimal(load_default="0.00", as_string=True, places=3)
    provident_rate_pct = _pct("2.60")
    provident_loan_cap = _money("600000.00")
    min_down_payment_pct = _pct("15")
    loan_years = fields.Integer(load_default=30, validate=validate.Range(min=1, max=30))
    instalment_down_pct = _pct("30")
    instalment_count = fields.Integer(load_default=3, validate=validate.Range(min=1, max=24))
    instalment_interval_months = fields.Integer(load_default=3, validate=validate.Range(1, 12))
    deed_tax_pct = _pct("3")
    maintenance_fund_per_m2 = _money("55.00")
    notarial_fee = _money("200.00")

    @validates_schema
    def _deposit_range(self, data, **kwargs):
        low, high = data.get("small_deposit_min"), data.get("small_deposit_max")
        if low is not None and high is not None and low > high:
            raise ValidationError("must not exceed small_deposit_max", "small_deposit_min")


VIEW, CREATE, VOID, REVIEW = (
    "sales.orders.view",
    "sales.orders.create",
    "sales.orders.void",
    "sales.orders.review",
)


def permissions():
    return [
        Permission(
            VIEW,
            _l("See orders and purchase plans"),
            ("sales_rep", "site_manager", "sales_controller", "cs_rep", "cs_manager", "finance"),
        ),
        Permission(
            CREATE,
            _l("Write orders and purchase plans"),
            ("sales_rep", "site_manager", "sales_controller"),
        ),
        Permission(VOID, _l("Void an order (with a reason)"), ("site_manager",)),
        Permission(REVIEW, _l("Review orders (customer service)"), ("cs_rep", "cs_manager")),
    ]


def admin_views():
    from plugins.sales.orders.views import views

    return views()


def api_blueprints():
    from plugins.sales.orders.api import bp
    from plugins.sales.orders.change_api import bp as changes_bp

    return [bp, changes_bp]


def openapi(spec):
    from plugins.sales.orders import change_api
    from plugins.sales.orders.api import register_openapi

    register_openapi(spec)
    change_api.register_openapi(spec)


def duties(company):
    from plugins.sales.orders.past_signing import signing_duty

    return [signing_duty()]


def letter_kinds(company):
    from plugins.sales.orders.plans import letter_kind

    return [letter_kind()]


def approval_flows(company):
    from plugins.sales.orders.changes import change_flows
    from plugins.sales.orders.discounts import default_flows

    return default_flows(company) + change_flows()


def on_approval_decided(request):
    from plugins.sales.orders import change_apply
    from plugins.sales.orders.services import approval_decided

    approval_decided(request)
    change_apply.approval_decided(request)


def on_settings_changed(company, plugin, old, new):
    from plugins.sales.orders.discounts import authority_changed

    if plugin == "sales":
        authority_changed(company, old, new)
