"""Contracts (CS-04–07): preparing a contract from the order, signing with its annexes, term
changes, pre-sale registration (备案) with the statutory filing clock, and cancellation."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.admin import labels
from core.permissions import Permission
from plugins.customer_service.contracts import models  # noqa: F401 (registers the tables)

VIEW = "customer_service.contracts.view"
EDIT = "customer_service.contracts.edit"
REGISTER = "customer_service.contracts.register"


class Settings(Schema):
    # CS-04: contract numbers {prefix}-YYYY-NNNNN (合同).
    contract_number_prefix = fields.String(
        load_default="HT", validate=validate.Regexp(r"^[A-Z0-9]{1,10}$")
    )
    # CS-06: the statutory online filing (网签备案) is due this many days after signing ...
    statutory_filing_days = fields.Integer(load_default=30, validate=validate.Range(1, 365))
    # ... and a contract with this many days left (or overdue) is listed at risk.
    filing_risk_days = fields.Integer(load_default=5, validate=validate.Range(0, 365))


def permissions():
    return [
        Permission(
            VIEW,
            _l("See contracts and the contract ledger"),
            ("cs_rep", "cs_manager", "archive_clerk", "lawyer", "vp", "finance"),
        ),
        Permission(EDIT, _l("Prepare, sign and change contracts"), ("cs_rep", "cs_manager")),
        Permission(
            REGISTER, _l("Register contracts (pre-sale registration)"), ("cs_rep", "cs_manager")
        ),
    ]


labels.register(
    {
        "draft": _l("Draft"),
        "signed": _l("Signed"),
        "registered": _l("Registered"),
        "cancelled": _l("Cancelled"),
        "terminated": _l("Terminated"),
        "applied": _l("Applied"),
        "customer_breach": _l("Customer breach"),
        "id_change": _l("ID change"),
        "company_fault": _l("Company's fault"),
        "resale": _l("Resale"),
    }
)


def approval_flows(company):
    from plugins.customer_service.contracts.cancellation import cancellation_flows
    from plugins.customer_service.contracts.changes import change_flows

    return change_flows() + cancellation_flows()


def on_approval_decided(request):
    from plugins.customer_service.contracts import cancellation, changes

    changes.approval_decided(request)
    cancellation.approval_decided(request)


def admin_views():
    from plugins.customer_service.contracts.views import views

    return views()


def api_blueprints():
    from plugins.customer_service.contracts.api import bp

    return [bp]


def openapi(spec):
    from plugins.customer_service.contracts.api import register_openapi

    register_openapi(spec)


def demo(company):
    from plugins.customer_service.contracts.demo_data import demo_contracts

    demo_contracts(company)
