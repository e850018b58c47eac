"""Payments (CS-08), the receivables schedule and ledgers (CS-09) and advanced mortgage
instalments (CS-20)."""

from flask_babel import lazy_gettext as _l

from core.admin import labels
from core.permissions import Permission
from plugins.customer_service.payments import models  # noqa: F401 (registers the tables)

VIEW = "customer_service.payments.view"
NOTICE = "customer_service.payments.notice"
FINANCE = "customer_service.payments.finance"
REVERSE = "customer_service.payments.reverse"
ADVANCE = "customer_service.payments.advance"

labels.register(
    {
        "unidentified": _l("Unidentified"),
        "identified": _l("Identified"),
        "noticed": _l("Notice issued"),
        "cash": _l("Cash"),
        "card": _l("Bank card"),
        "transfer": _l("Bank transfer"),
        "cheque": _l("Cheque"),
        "credit": _l("Kept as credit, applied to the next instalment"),
        "refund": _l("Refunded to the customer"),
        "issued": _l("Issued"),
        "received": _l("Received"),
        "reversed": _l("Reversed"),
        "receipt": _l("Receipt"),
        "reversal": _l("Reversal"),
        "order_deposit": _l("Order deposit"),
        "payment": _l("Payment"),
        "fee": _l("Taxes and fees"),
        "change": _l("Engineering change"),
        "advance": _l("Advanced mortgage instalment"),
        "instalment": _l("One overdue instalment"),
        "remaining": _l("All remaining instalments"),
    }
)


def permissions():
    money = ("finance", "finance_manager", "cfo")
    return [
        Permission(
            VIEW,
            _l("See payments, receivables and the ledgers"),
            ("cs_rep", "cs_manager", "archive_clerk", *money, "vp", "gm"),
        ),
        Permission(
            NOTICE,
            _l("Issue payment notices and identify bank transfers"),
            ("cs_rep", "cs_manager"),
        ),
        Permission(
            FINANCE,
            _l("Record bank transfers, issue receipts, refund credit"),
            ("finance", "finance_manager"),
        ),
        Permission(REVERSE, _l("Reverse a receipt"), ("finance_manager",)),
        Permission(
            ADVANCE,
            _l("Ask to advance mortgage instalments to the bank"),
            ("cs_rep", "cs_manager", "mortgage_officer", "finance"),
        ),
    ]


def admin_views():
    from plugins.customer_service.payments.admin import views

    return views()


def api_blueprints():
    from plugins.customer_service.payments.api import bp

    return [bp]


def openapi(spec):
    from plugins.customer_service.payments.api_doc import register_openapi

    register_openapi(spec)


def approval_flows(company):
    from plugins.customer_service.payments.advances import advance_flows

    return advance_flows()


def on_approval_decided(request):
    from plugins.customer_service.payments.advances import approval_decided

    approval_decided(request)


def demo(company):
    from plugins.customer_service.payments.demo_data import load

    load(company)
